package dev.caravan.gateway;

import dev.caravan.routing.CurrentRoutingTable;
import dev.caravan.balance.RateLimiters;
import dev.caravan.routing.RoutePolicy;
import dev.caravan.upstream.CallOptions;
import dev.caravan.upstream.NextUpstream;
import dev.caravan.upstream.ResponsePace;
import dev.caravan.upstream.UpstreamClient;
import dev.caravan.upstream.UpstreamSettings;
import java.util.List;

/**
 * What every connection of one listener shares.
 *
 * @param scheme the listener's scheme as pods see it in {@code X-Forwarded-Proto}
 * @param port   the listener's port as pods see it in {@code X-Forwarded-Port}
 * @param maxBodySize the largest request body when a route does not say (0: no limit)
 * @param rateLimiters the live state of the Ingresses' rate limits
 * @param connections  the open client connections, for draining on shutdown
 * @param httpsRedirectPort the port clients reach HTTPS on: in redirects to HTTPS, and the HTTPS listener's
 *                          {@code X-Forwarded-Port}
 * @param hsts         the {@code Strict-Transport-Security} value for hosts with TLS, or {@code null}
 * @param observers    told of every finished request (access log, metrics)
 * @param upgrades     the open upgraded connections
 * @param interceptors where the request interceptors Ingresses opt into run
 * @param externalAuth  the client of the auth-url services
 * @param userAuthentication the checks of auth-type
 * @param underscoresInHeaders whether request headers whose names have an underscore are passed on
 * @param mirrors       the client sending the copies of requests of mirror-target
 * @param realIp        what load balancers in front are believed about the client
 * @param blocks        the global filters of requests, or {@code null}
 * @param statuses      the statuses the operator chose for limits, redirects and error pages
 * @param backendServerHeader whether a pod's Server header reaches clients (else removed, as ingress-nginx's)
 */
record Gateway(String scheme, int publicPort, CurrentRoutingTable table, UpstreamClient upstream,
        ListenerConsumers consumers, long maxBodySize, RateLimiters rateLimiters, ClientConnections connections,
        int httpsRedirectPort, String hsts, List<RequestObserver> observers, UpgradedConnections upgrades,
        RequestInterceptors interceptors, ExternalAuth externalAuth, UserAuthentication userAuthentication,
        boolean underscoresInHeaders, RequestMirrors mirrors, RealIpSettings realIp, RequestBlocks blocks,
        StatusCodes statuses, boolean backendServerHeader) {

    /**
     * How a route is proxied: its policy's settings where it has them, the global settings otherwise.
     * For an HTTPS pod whose {@code proxy-ssl-secret} cannot be used, {@link CallOptions#tls()} is null.
     */
    CallOptions options(RoutePolicy policy) {
        UpstreamSettings defaults = upstream.settings();
        return new CallOptions(policy.maxBodySize() >= 0 ? policy.maxBodySize() : maxBodySize,
                policy.connectTimeout() != null ? policy.connectTimeout() : defaults.connectTimeout(),
                policy.readTimeout() != null ? policy.readTimeout() : defaults.readTimeout(),
                policy.sendTimeout() != null ? policy.sendTimeout() : defaults.sendTimeout(),
                policy.httpsUpstream() ? upstream.trust().resolve(policy.proxySsl(), policy.grpcUpstream()) : null,
                policy.nextUpstream() != null ? policy.nextUpstream() : NextUpstream.DEFAULT,
                // as ingress-nginx: an Ingress's own custom-http-errors, else the ConfigMap's
                policy.customHttpErrors().isEmpty() ? statuses.customHttpErrors() : policy.customHttpErrors(),
                policy.grpcUpstream(), Math.max(policy.maxResponseHead(), UpstreamClient.MAX_RESPONSE_HEAD),
                policy.rateLimit() == null || policy.rateLimit().responseBytesPerSecond() == 0 ? null
                        : new ResponsePace(policy.rateLimit().responseBytesPerSecond(),
                                policy.rateLimit().responseBytesAfter()));
    }
}

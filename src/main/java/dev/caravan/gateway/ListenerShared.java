package dev.caravan.gateway;

import dev.caravan.balance.RateLimiters;
import dev.caravan.routing.CurrentRoutingTable;
import dev.caravan.upstream.UpstreamClient;
import io.netty.channel.EventLoopGroup;
import java.util.List;

/**
 * What every listener of one Caravan shares.
 *
 * @param workers      the event loops that serve client connections and their upstream connections
 * @param rateLimiters the Ingresses' rate limits, shared by all listeners as nginx's zones are
 * @param observers    told of every finished request
 * @param upgrades     the open upgraded connections (WebSockets)
 * @param connections  the limit on client connections open at once
 * @param interceptors where the request interceptors Ingresses opt into run
 * @param externalAuth the client of the auth-url services
 * @param userAuthentication the checks of auth-type, with what they remember
 * @param mirrors      the client sending the copies of requests of mirror-target
 * @param blocks       the global filters of requests, or {@code null}
 * @param statuses     the statuses the operator chose for limits and redirects
 * @param protocolFailures counts the TLS handshakes and HTTP/2 connections clients fail
 */
public record ListenerShared(CurrentRoutingTable table, UpstreamClient upstream, EventLoopGroup workers,
        RateLimiters rateLimiters, List<RequestObserver> observers, UpgradedConnections upgrades,
        ConnectionLimit connections, RequestInterceptors interceptors, ExternalAuth externalAuth,
        UserAuthentication userAuthentication, RequestMirrors mirrors, RequestBlocks blocks,
        StatusCodes statuses, boolean backendServerHeader, ClientProtocolFailures protocolFailures) {

    public ListenerShared {
        observers = List.copyOf(observers);
    }
}

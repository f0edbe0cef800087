package dev.caravan.upstream;

import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.RoutePolicy;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.util.Map;
import javax.net.ssl.SSLException;

/**
 * The TLS client contexts for HTTPS pods: by default encrypted but not authenticated, as ingress-nginx
 * ({@code proxy-ssl-verify} off); with {@code proxy-ssl-secret}, the Secret's CAs and client certificate.
 * The Secrets' contexts are replaced whole after each compilation.
 */
public final class BackendTrust {

    /**
     * The contexts made from one {@code proxy-ssl-secret}.
     *
     * @param verifying  trusts only the Secret's {@code ca.crt}, or {@code null} when it has none
     * @param encrypting trusts any certificate; both present the Secret's client certificate, if any
     */
    public record SecretContexts(SslContext verifying, SslContext encrypting) {
    }

    private final SslContext insecure;
    private final UpstreamTls unauthenticated;
    private volatile Map<ObjectRef, SecretContexts> secrets = Map.of();

    public BackendTrust() {
        try {
            insecure = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE)
                    .protocols("TLSv1.3", "TLSv1.2").build();
        } catch (SSLException e) {
            throw new IllegalStateException("no TLS client context: " + e.getMessage(), e);
        }
        unauthenticated = new UpstreamTls(insecure, null, false, false);
    }

    public void update(Map<ObjectRef, SecretContexts> bySecret) {
        secrets = Map.copyOf(bySecret);
    }

    /** How to speak TLS to pods under this policy, or {@code null} when its Secret cannot be used. */
    public UpstreamTls resolve(RoutePolicy.ProxySsl proxySsl) {
        if (proxySsl == null) {
            return unauthenticated;
        }
        SslContext context = insecure;
        if (proxySsl.secret() != null) {
            SecretContexts contexts = secrets.get(proxySsl.secret());
            context = contexts == null ? null : proxySsl.verify() ? contexts.verifying() : contexts.encrypting();
            if (context == null) {
                return null;
            }
        }
        return new UpstreamTls(context, proxySsl.name(), proxySsl.verify() && proxySsl.name() != null,
                proxySsl.serverName() && proxySsl.name() != null);
    }
}

package dev.caravan.upstream;

import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.RoutePolicy;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;

/**
 * The TLS client contexts for HTTPS pods: by default encrypted but not authenticated, as ingress-nginx
 * ({@code proxy-ssl-verify} off); with {@code proxy-ssl-secret}, the Secret's CAs and client certificate.
 * The Secrets' contexts are replaced whole after each compilation.
 */
public final class BackendTrust {

    /**
     * One trust, for the two protocols spoken over TLS to pods: they differ only in what ALPN offers, which
     * must be exactly the protocol spoken (an HTTPS pod offered h2 could choose it).
     *
     * @param http1 for {@code backend-protocol: HTTPS}
     * @param http2 for {@code backend-protocol: GRPCS}, offering ALPN {@code h2}
     */
    public record Contexts(SslContext http1, SslContext http2) {

        /** The two contexts of one builder's trust and keys. */
        public static Contexts of(SslContextBuilder builder) throws SSLException {
            SslContext http1 = builder.build();
            return new Contexts(http1, builder.applicationProtocolConfig(new ApplicationProtocolConfig(
                    ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                    ApplicationProtocolNames.HTTP_2)).build());
        }

        SslContext of(boolean http2Wanted) {
            return http2Wanted ? http2 : http1;
        }
    }

    /**
     * The contexts made from one {@code proxy-ssl-secret}.
     *
     * @param verifying  trusts only the Secret's {@code ca.crt}, or {@code null} when it has none
     * @param encrypting trusts any certificate; both present the Secret's client certificate, if any
     */
    public record SecretContexts(VerifyingContexts verifying, Contexts encrypting) {
    }

    /**
     * The contexts that trust only a Secret's {@code ca.crt}, one per {@code proxy-ssl-verify-depth} asked for: those
     * of depths 1 and 2 (nearly all asked for) made with the Secret, off the event loops, so that a Secret they cannot
     * be made of is reported; a deeper one when first asked for, once.
     */
    public static final class VerifyingContexts {

        /** ingress-nginx's, and nginx's, proxy_ssl_verify_depth. */
        public static final int DEFAULT_DEPTH = 1;
        private final List<X509Certificate> authorities;
        private final PrivateKey key;
        private final List<X509Certificate> chain;
        private final String keyStoreType;
        // bounded: the depths an annotation may ask for; a depth whose contexts cannot be made is kept as empty
        private final Map<Integer, Optional<Contexts>> byDepth = new ConcurrentHashMap<>();

        /** @param key the client certificate's key, or {@code null} when none is presented */
        public VerifyingContexts(List<X509Certificate> authorities, PrivateKey key, List<X509Certificate> chain,
                String keyStoreType) throws SSLException {
            this.authorities = List.copyOf(authorities);
            this.key = key;
            this.chain = chain == null ? List.of() : List.copyOf(chain);
            this.keyStoreType = keyStoreType;
            for (int depth = DEFAULT_DEPTH; depth <= DEFAULT_DEPTH + 1; depth++) {
                byDepth.put(depth, Optional.of(build(depth)));
            }
        }

        /** The contexts of this depth, or {@code null} when they cannot be made (then its pods get 502). */
        Contexts at(int depth) {
            return byDepth.computeIfAbsent(depth, asked -> {
                try {
                    return Optional.of(build(asked));
                } catch (SSLException | RuntimeException e) {
                    return Optional.empty();
                }
            }).orElse(null);
        }

        private Contexts build(int depth) throws SSLException {
            SslContextBuilder builder;
            try {
                builder = SslContextBuilder.forClient().trustManager(new DepthLimitedTrust(authorities, depth));
            } catch (GeneralSecurityException e) {
                throw new SSLException("ca.crt cannot be trusted: " + e.getMessage(), e);
            }
            builder.protocols("TLSv1.3", "TLSv1.2");
            if (key != null) {
                builder.keyManager(key, chain.toArray(X509Certificate[]::new)).keyStoreType(keyStoreType);
            }
            return Contexts.of(builder);
        }
    }

    private final Contexts insecure;
    private volatile Map<ObjectRef, SecretContexts> secrets = Map.of();

    public BackendTrust() {
        try {
            insecure = Contexts.of(SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE)
                    .protocols("TLSv1.3", "TLSv1.2"));
        } catch (SSLException e) {
            throw new IllegalStateException("no TLS client context: " + e.getMessage(), e);
        }
    }

    public void update(Map<ObjectRef, SecretContexts> bySecret) {
        secrets = Map.copyOf(bySecret);
    }

    /**
     * How to speak TLS to pods under this policy, or {@code null} when its Secret cannot be used.
     *
     * @param http2 whether the pods are spoken to in HTTP/2 (GRPCS)
     */
    public UpstreamTls resolve(RoutePolicy.ProxySsl proxySsl, boolean http2) {
        if (proxySsl == null) {
            return new UpstreamTls(insecure.of(http2), null, false, false);
        }
        SslContext context = insecure.of(http2);
        if (proxySsl.secret() != null) {
            SecretContexts contexts = secrets.get(proxySsl.secret());
            Contexts chosen = contexts == null ? null : !proxySsl.verify() ? contexts.encrypting()
                    : contexts.verifying() == null ? null : contexts.verifying().at(proxySsl.depth());
            if (chosen == null) {
                return null;
            }
            context = chosen.of(http2);
        }
        return new UpstreamTls(context, proxySsl.name(), proxySsl.verify() && proxySsl.name() != null,
                proxySsl.serverName() && proxySsl.name() != null);
    }
}

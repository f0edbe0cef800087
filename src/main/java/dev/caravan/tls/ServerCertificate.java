package dev.caravan.tls;

import io.netty.handler.ssl.SslContext;
import java.security.cert.X509Certificate;
import java.time.Instant;

/**
 * A certificate the HTTPS listener can present, ready for handshakes.
 *
 * @param source where it comes from, for people: {@code Secret ns/name}, or the generated default
 * @param leaf   the server's own certificate, first of its chain
 */
public record ServerCertificate(String source, SslContext context, X509Certificate leaf) {

    public Instant notAfter() {
        return leaf.getNotAfter().toInstant();
    }
}

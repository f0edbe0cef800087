package dev.caravan.tls;

import dev.caravan.routing.ObjectRef;
import io.netty.handler.ssl.SslContext;
import java.security.cert.X509Certificate;
import java.time.Instant;

/**
 * A certificate the HTTPS listener can present, ready for handshakes.
 *
 * @param secret the Secret it comes from, or {@code null} for the generated default
 * @param leaf   the server's own certificate, first of its chain
 */
public record ServerCertificate(ObjectRef secret, SslContext context, X509Certificate leaf) {

    public Instant notAfter() {
        return leaf.getNotAfter().toInstant();
    }

    /** Where it comes from, for people. */
    public String source() {
        return secret == null ? "a generated self-signed certificate" : "Secret " + secret;
    }
}

package dev.caravan.admission;

import dev.caravan.tls.ServerCertificate;
import io.netty.handler.ssl.SslContext;

/**
 * The certificate the webhook presents now; a new handshake takes whatever was installed last, and
 * connections already open keep theirs.
 */
final class ServingCertificate {

    private volatile ServerCertificate current;

    ServingCertificate(ServerCertificate initial) {
        this.current = initial;
    }

    ServerCertificate current() {
        return current;
    }

    SslContext context() {
        return current.context();
    }

    void install(ServerCertificate certificate) {
        current = certificate;
    }
}

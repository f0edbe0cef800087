package dev.caravan.admission;

import dev.caravan.tls.InvalidCertificateException;
import dev.caravan.tls.ServerCertificate;
import io.netty.handler.ssl.SslContext;

/**
 * The certificate the webhook presents now; a new handshake takes whatever was installed last, and
 * connections already open keep theirs. Its TLS context is made when it is installed, off the event loops.
 */
final class ServingCertificate {

    private record Installed(ServerCertificate certificate, SslContext context) {
    }

    private volatile Installed current;

    ServingCertificate(ServerCertificate initial) throws InvalidCertificateException {
        install(initial);
    }

    ServerCertificate current() {
        return current.certificate();
    }

    SslContext context() {
        return current.context();
    }

    /** @throws InvalidCertificateException when its context cannot be made; the certificate in use stays */
    void install(ServerCertificate certificate) throws InvalidCertificateException {
        SslContext context = certificate.contexts().plainNow();
        if (context == null) {
            throw new InvalidCertificateException("cannot be served by the TLS library (see the log)");
        }
        current = new Installed(certificate, context);
    }
}

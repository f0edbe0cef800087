package dev.caravan.tls;

/** A TLS Secret that cannot be served, with the reason in words an operator can act on. */
public final class InvalidCertificateException extends Exception {

    public InvalidCertificateException(String reason) {
        super(reason);
    }
}

package dev.caravan.tls;

import java.time.Instant;

/** A TLS Secret that cannot be served, with the reason in words an operator can act on. */
public final class InvalidCertificateException extends Exception {

    private final transient Instant validFrom;

    public InvalidCertificateException(String reason) {
        this(reason, null);
    }

    /** @param validFrom when the reason goes by itself (a certificate not valid yet), or {@code null} */
    public InvalidCertificateException(String reason, Instant validFrom) {
        super(reason);
        this.validFrom = validFrom;
    }

    /** When the same Secret would be served: the certificate's not-before; {@code null} for reasons time does not end. */
    public Instant validFrom() {
        return validFrom;
    }
}

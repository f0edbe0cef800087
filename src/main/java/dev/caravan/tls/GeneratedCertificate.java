package dev.caravan.tls;

import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * The certificate of last resort, as ingress-nginx's "fake certificate": self-signed, made at start,
 * served to clients whose SNI name has no certificate when no {@code --default-ssl-certificate} is set.
 */
public final class GeneratedCertificate {

    /** The name in the certificate: a reserved domain, so it can never be mistaken for a real host. */
    public static final String NAME = "caravan-default.invalid";

    private GeneratedCertificate() {
    }

    /**
     * Whether an ECDSA (P-256) key can serve every client the settings let in: any TLS 1.3 client can use one,
     * a TLS 1.2 client only through an ECDSA cipher suite. Where none is configured, the key is RSA, as
     * ingress-nginx's fake certificate is. ECDSA where possible because an RSA key's primes take 0.3 to 1 s of a
     * core at every start, and as much again for the JIT to compile BigInteger for the search (bench/scale).
     */
    static boolean ecdsaUsable(TlsSettings settings) {
        boolean tls12 = settings.protocols().stream().anyMatch(protocol -> !protocol.equals("TLSv1.3"));
        return !tls12 || settings.ciphers().stream().anyMatch(cipher -> cipher.toUpperCase(Locale.ROOT).contains("ECDSA"));
    }

    public static ServerCertificate create(TlsSettings settings) {
        Instant now = Instant.now();
        SelfSignedCertificate generated = null;
        try {
            boolean ec = ecdsaUsable(settings);
            generated = new SelfSignedCertificate(NAME, new SecureRandom(), ec ? 256 : 2048,
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(365))),
                    ec ? "EC" : "RSA");
            return new ServerCertificate(null, settings.serverContext(generated.key(), List.of(generated.cert())), generated.cert());
        } catch (CertificateException | SSLException e) {
            throw new IllegalStateException("cannot make the default certificate: " + e.getMessage(), e);
        } finally {
            if (generated != null) {
                // it also wrote PEM files to the temporary folder; nothing reads them
                generated.delete();
            }
        }
    }
}

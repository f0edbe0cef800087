package dev.caravan.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
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
     * An ECDSA (P-256) key where it serves every client the settings let in, else RSA, as ingress-nginx's fake
     * certificate is: any TLS 1.3 client can use an ECDSA key, a TLS 1.2 client only through an ECDSA cipher
     * suite the TLS library enables. ECDSA where possible because an RSA key's primes take 0.3 to 1 s of a core
     * at every start, and as much again for the JIT to compile BigInteger for the search (bench/scale).
     */
    public static ServerCertificate create(TlsSettings settings) {
        ServerCertificate ecdsa = create(settings, "EC", 256);
        return ecdsaServesAll(settings, ecdsa.contexts().plain().join()) ? ecdsa : create(settings, "RSA", 2048);
    }

    private static boolean ecdsaServesAll(TlsSettings settings, SslContext context) {
        boolean tls12 = settings.protocols().stream().anyMatch(protocol -> !protocol.equals("TLSv1.3"));
        return !tls12 || context.cipherSuites().stream().anyMatch(suite -> suite.contains("_ECDSA_"));
    }

    private static ServerCertificate create(TlsSettings settings, String algorithm, int bits) {
        Instant now = Instant.now();
        SelfSignedCertificate generated = null;
        try {
            generated = new SelfSignedCertificate(NAME, new SecureRandom(), bits,
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(365))), algorithm);
            List<X509Certificate> chain = List.of(generated.cert());
            return new ServerCertificate(null, generated.cert(), ServerContexts.madeNow(settings, generated.key(), chain));
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

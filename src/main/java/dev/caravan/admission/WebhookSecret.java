package dev.caravan.admission;

import dev.caravan.routing.ObjectRef;
import dev.caravan.tls.InvalidCertificateException;
import dev.caravan.tls.ServerCertificate;
import dev.caravan.tls.TlsSecretReader;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads the webhook's Secret and judges it: servable (the TLS reader's checks, plus a {@code ca.crt} that
 * signed the certificate, for every DNS name of the webhook Service), and whether it is time to renew it.
 */
final class WebhookSecret {

    /** The leader makes a new certificate this long before the current one expires. */
    static final Duration RENEW_BEFORE = Duration.ofDays(30);

    /** A servable Secret: its certificate, ready for handshakes, and the CA for {@code caBundle}. */
    record Contents(ServerCertificate certificate, String caPem) {

        boolean renewDue(Instant now) {
            return certificate.notAfter().isBefore(now.plus(RENEW_BEFORE));
        }
    }

    private final TlsSecretReader reader;
    private final List<String> dnsNames;

    WebhookSecret(TlsSecretReader reader, List<String> dnsNames) {
        this.reader = reader;
        this.dnsNames = List.copyOf(dnsNames);
    }

    List<String> dnsNames() {
        return dnsNames;
    }

    Contents read(Secret secret, Instant now) throws InvalidCertificateException {
        ServerCertificate certificate = reader.read(new ObjectRef(secret.getMetadata().getNamespace(),
                secret.getMetadata().getName()), secret, now);
        String encoded = secret.getData() == null ? null : secret.getData().get(WebhookKeyMaterial.CA_KEY);
        if (encoded == null || encoded.isBlank()) {
            throw new InvalidCertificateException("has no " + WebhookKeyMaterial.CA_KEY);
        }
        String caPem;
        X509Certificate ca;
        try {
            caPem = new String(Base64.getMimeDecoder().decode(encoded), StandardCharsets.US_ASCII);
            ca = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII)));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            throw new InvalidCertificateException(WebhookKeyMaterial.CA_KEY + " is not a PEM certificate: "
                    + e.getMessage());
        }
        try {
            certificate.leaf().verify(ca.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new InvalidCertificateException("tls.crt is not signed by " + WebhookKeyMaterial.CA_KEY);
        }
        List<String> missing = new ArrayList<>(dnsNames);
        try {
            missing.removeAll(certificate.dnsNames());
        } catch (CertificateParsingException e) {
            throw new InvalidCertificateException("tls.crt's names cannot be read: " + e.getMessage());
        }
        if (!missing.isEmpty()) {
            throw new InvalidCertificateException("tls.crt is not for " + String.join(", ", missing));
        }
        return new Contents(certificate, caPem);
    }
}

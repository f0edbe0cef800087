package dev.caravan.tls;

import dev.caravan.routing.ObjectRef;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A certificate the HTTPS listener can present, ready for handshakes.
 *
 * @param secret the Secret it comes from, or {@code null} for the generated default
 * @param leaf     the server's own certificate, first of its chain
 * @param notAfter when the leaf expires (read once: the JDK decodes it again on every call)
 * @param contexts the contexts of its handshakes
 */
public record ServerCertificate(ObjectRef secret, X509Certificate leaf, Instant notAfter, ServerContexts contexts) {

    public ServerCertificate(ObjectRef secret, X509Certificate leaf, ServerContexts contexts) {
        this(secret, leaf, leaf.getNotAfter().toInstant(), contexts);
    }

    /** The DNS names of its subjectAltName, as written. */
    public List<String> dnsNames() throws CertificateParsingException {
        List<String> names = new ArrayList<>();
        if (leaf.getSubjectAlternativeNames() != null) {
            for (List<?> name : leaf.getSubjectAlternativeNames()) {
                if (Integer.valueOf(2).equals(name.get(0))) {
                    names.add((String) name.get(1));
                }
            }
        }
        return names;
    }

    /**
     * Whether it is for {@code host} (lower case) by a DNS name of its subjectAltName, as a client checks: equal
     * but for case, or {@code *.example.com} for exactly one more label.
     */
    public boolean isFor(String host) {
        int dot = host.indexOf('.');
        String parent = dot > 0 ? host.substring(dot) : null;
        try {
            for (String name : dnsNames()) {
                String lower = name.toLowerCase(Locale.ROOT);
                if (lower.equals(host) || parent != null && lower.startsWith("*.") && lower.substring(1).equals(parent)) {
                    return true;
                }
            }
            return false;
        } catch (CertificateParsingException unreadable) {
            return false;
        }
    }

    /** Where it comes from, for people. */
    public String source() {
        return secret == null ? "a generated self-signed certificate" : "Secret " + secret;
    }
}

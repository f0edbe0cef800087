package dev.caravan.tls;

import dev.caravan.routing.ObjectRef;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

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
        try {
            for (String name : dnsNames()) {
                if (matches(name.toLowerCase(Locale.ROOT), host)) {
                    return true;
                }
            }
            return false;
        } catch (CertificateParsingException unreadable) {
            return false;
        }
    }

    /**
     * Whether ingress-nginx would serve it for {@code host} (lower case): {@link #isFor} that host, or, for a
     * certificate of old, its subject's common name is (ingress-nginx checks both, and gives a host its certificate
     * covers neither way the default one).
     */
    public boolean covers(String host) {
        if (isFor(host)) {
            return true;
        }
        try {
            for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN") && rdn.getValue() instanceof String name
                        && matches(name.toLowerCase(Locale.ROOT), host)) {
                    return true;
                }
            }
        } catch (InvalidNameException unreadable) {
            return false;
        }
        return false;
    }

    /**
     * Whether it is served for a {@code spec.tls} host (lower case): one it {@link #covers}, or a wildcard entry,
     * which serves the hosts of rules, each of which it may name.
     */
    public boolean servedFor(String tlsHost) {
        return tlsHost.startsWith("*.") || covers(tlsHost);
    }

    /** Why it is not served for these hosts, for people. */
    public String notFor(List<String> hosts) {
        return "its certificate is not for " + String.join(", ", hosts) + " (" + names() + ")";
    }

    private static boolean matches(String name, String host) {
        int dot = host.indexOf('.');
        return name.equals(host) || dot > 0 && name.startsWith("*.") && name.substring(1).equals(host.substring(dot));
    }

    /** Its names, for people: the DNS names of its subjectAltName (the first few), else its subject. */
    public String names() {
        try {
            List<String> names = dnsNames();
            if (!names.isEmpty()) {
                return "it names " + String.join(", ", names.subList(0, Math.min(5, names.size())))
                        + (names.size() > 5 ? " and " + (names.size() - 5) + " more" : "");
            }
        } catch (CertificateParsingException unreadable) {
            // its subject says who it is for
        }
        return "its subject is " + leaf.getSubjectX500Principal().getName();
    }

    /** Where it comes from, for people. */
    public String source() {
        return secret == null ? "a generated self-signed certificate" : "Secret " + secret;
    }
}

package dev.caravan.auth;

import io.fabric8.kubernetes.api.model.Secret;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertPathBuilderException;
import java.security.cert.Certificate;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertStore;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXCertPathBuilderResult;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The certificate authorities of an {@code auth-tls-secret}, read as ingress-nginx reads them: the PEM certificates
 * under {@code ca.crt}, and the revocation lists under {@code ca.crl} when there is one. It tells whether a client's
 * certificate chain is good, in the words nginx gives {@code $ssl_client_verify}.
 */
public final class ClientCertificateAuthority {

    /** A client certificate's use, when its extendedKeyUsage names any: TLS client authentication, as OpenSSL's. */
    private static final String CLIENT_USE = "1.3.6.1.5.5.7.3.2";

    private final List<X509Certificate> authorities;
    private final List<X509CRL> revocations;
    private final Set<TrustAnchor> anchors = new LinkedHashSet<>();

    private ClientCertificateAuthority(List<X509Certificate> authorities, List<X509CRL> revocations) {
        this.authorities = List.copyOf(authorities);
        this.revocations = List.copyOf(revocations);
        authorities.forEach(authority -> anchors.add(new TrustAnchor(authority, null)));
    }

    /**
     * @throws IllegalArgumentException saying what is wrong with the Secret
     */
    public static ClientCertificateAuthority fromSecret(Secret secret) {
        byte[] certificates = SecretData.field(secret, "ca.crt");
        if (certificates == null) {
            throw new IllegalArgumentException("has no key 'ca.crt' (the certificate authorities of client"
                    + " certificates)");
        }
        byte[] crl = SecretData.field(secret, "ca.crl");
        return of(text(certificates), crl == null ? null : text(crl));
    }

    /** @param crl the PEM revocation lists, or {@code null} */
    public static ClientCertificateAuthority of(String certificatesPem, String crl) {
        List<X509Certificate> authorities = new ArrayList<>();
        List<X509CRL> revocations = new ArrayList<>();
        String field = "ca.crt";
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (String block : SecretData.pemBlocks("CERTIFICATE", certificatesPem)) {
                authorities.add((X509Certificate) factory.generateCertificate(stream(block)));
            }
            field = "ca.crl";
            for (String block : crl == null ? List.<String>of() : SecretData.pemBlocks("X509 CRL", crl)) {
                revocations.add((X509CRL) factory.generateCRL(stream(block)));
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException(field + " does not parse: " + e.getMessage());
        }
        if (authorities.isEmpty()) {
            throw new IllegalArgumentException("ca.crt holds no PEM certificate");
        }
        if (crl != null && !crl.isBlank() && revocations.isEmpty()) {
            throw new IllegalArgumentException("ca.crl holds no PEM revocation list (BEGIN X509 CRL)");
        }
        return new ClientCertificateAuthority(authorities, revocations);
    }

    public List<X509Certificate> authorities() {
        return authorities;
    }

    /**
     * Whether {@code chain} (the client's certificate first, then what it sent with it) leads to one of these
     * authorities through at most {@code depth} intermediates (OpenSSL's verify depth), each valid at {@code now}, the
     * client's certificate meant for TLS clients, and none revoked when there are revocation lists.
     *
     * @return {@code null} when it does, or why not, as nginx says it after {@code FAILED:}
     */
    public String verify(List<X509Certificate> chain, int depth, Date now) {
        X509Certificate client = chain.get(0);
        String invalid = validity(client, now);
        if (invalid != null) {
            return invalid;
        }
        // as OpenSSL's purpose check for TLS clients: a key usage, if named, that signs (or agrees keys)
        boolean[] keyUsage = client.getKeyUsage();
        if (keyUsage != null && !(keyUsage[0] || keyUsage.length > 4 && keyUsage[4]) || !forClients(client)) {
            return "unsupported certificate purpose";
        }
        // what a client sends is its choice: no more of it is looked at than a chain within the depth can use
        List<X509Certificate> usable = chain.subList(0, Math.min(chain.size(), depth + 2));
        // as OpenSSL prefers an issuer valid now: an expired root beside its renewal (same name, same key) is no
        // authority for the JDK's builder to stop at
        Set<TrustAnchor> current = new LinkedHashSet<>();
        for (TrustAnchor anchor : anchors) {
            if (validity(anchor.getTrustedCert(), now) == null && forClients(anchor.getTrustedCert())) {
                current.add(anchor);
            }
        }
        Object built = current.isEmpty() ? null : build(usable, depth, now, current);
        if (built instanceof PKIXCertPathBuilderResult path) {
            // OpenSSL checks the intermediates' uses too
            for (Certificate above : path.getCertPath().getCertificates()) {
                if (above != client && !forClients((X509Certificate) above)) {
                    return "unsupported certificate purpose";
                }
            }
            return null;
        }
        if ("certificate revoked".equals(built)) {
            return "certificate revoked";
        }
        // why not: where a path leads with any authority, at any depth
        Object any = build(usable, -1, now, anchors);
        if (!(any instanceof PKIXCertPathBuilderResult path)) {
            return (String) any;
        }
        X509Certificate authority = path.getTrustAnchor().getTrustedCert();
        String expired = validity(authority, now);
        return expired != null ? expired : !forClients(authority) ? "unsupported certificate purpose"
                : "certificate chain too long";
    }

    private static String validity(X509Certificate certificate, Date now) {
        try {
            certificate.checkValidity(now);
            return null;
        } catch (CertificateExpiredException e) {
            return "certificate has expired";
        } catch (CertificateNotYetValidException e) {
            return "certificate is not yet valid";
        }
    }

    /** Whether a certificate's extendedKeyUsage, if it has one, names TLS client authentication. */
    private static boolean forClients(X509Certificate certificate) {
        try {
            List<String> uses = certificate.getExtendedKeyUsage();
            return uses == null || uses.contains(CLIENT_USE);
        } catch (CertificateParsingException unreadable) {
            return false;
        }
    }

    /** The path from the client's certificate to an authority, or why none builds. */
    private Object build(List<X509Certificate> chain, int depth, Date now, Set<TrustAnchor> trusted) {
        try {
            X509CertSelector target = new X509CertSelector();
            target.setCertificate(chain.get(0));
            PKIXBuilderParameters parameters = new PKIXBuilderParameters(trusted, target);
            // as OpenSSL's verify depth: the intermediates that may stand between the client's certificate and an
            // authority of ca.crt
            parameters.setMaxPathLength(depth);
            parameters.setDate(now);
            List<Object> known = new ArrayList<>(chain);
            known.addAll(revocations);
            parameters.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(known)));
            parameters.setRevocationEnabled(!revocations.isEmpty());
            return CertPathBuilder.getInstance("PKIX").build(parameters);
        } catch (CertPathBuilderException e) {
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof CertPathValidatorException invalid
                        && invalid.getReason() == CertPathValidatorException.BasicReason.REVOKED) {
                    return "certificate revoked";
                }
            }
            // OpenSSL's words for a certificate that issued itself and is none of the authorities
            X509Certificate client = chain.get(0);
            return chain.size() == 1 && client.getSubjectX500Principal().equals(client.getIssuerX500Principal())
                    ? "self-signed certificate" : "unable to get local issuer certificate";
        } catch (GeneralSecurityException | RuntimeException e) {
            return "unable to verify the certificate";
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ClientCertificateAuthority that && authorities.equals(that.authorities)
                && revocations.equals(that.revocations);
    }

    @Override
    public int hashCode() {
        return authorities.hashCode();
    }

    private static ByteArrayInputStream stream(String block) {
        return new ByteArrayInputStream(block.getBytes(StandardCharsets.US_ASCII));
    }

    private static String text(byte[] pem) {
        return new String(pem, StandardCharsets.US_ASCII);
    }
}

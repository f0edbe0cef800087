package dev.caravan.tls;

import dev.caravan.auth.SecretData;
import dev.caravan.routing.ObjectRef;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads the certificate chain and key of a TLS Secret ({@code tls.crt}, {@code tls.key}) and checks
 * that they can be served: both parse (PKCS#8, PKCS#1 and SEC1 keys, unencrypted), the key belongs to
 * the first certificate, and that certificate is valid now.
 */
public final class TlsSecretReader {

    static final String TLS_TYPE = "kubernetes.io/tls";
    private static final String OPAQUE = "Opaque";

    private final TlsSettings settings;

    public TlsSecretReader(TlsSettings settings) {
        this.settings = settings;
    }

    /** The certificate of {@code secret}, ready to serve, or why it cannot be. */
    public ServerCertificate read(ObjectRef ref, Secret secret, Instant now) throws InvalidCertificateException {
        checkType(secret);
        List<X509Certificate> chain = certificates("tls.crt", field(secret, "tls.crt"));
        PrivateKey key = privateKey(field(secret, "tls.key"));
        X509Certificate leaf = chain.get(0);
        checkKeyMatches(key, leaf);
        try {
            leaf.checkValidity(Date.from(now));
        } catch (CertificateExpiredException e) {
            throw new InvalidCertificateException("tls.crt expired on " + leaf.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            throw new InvalidCertificateException("tls.crt is not valid before " + leaf.getNotBefore().toInstant(),
                    leaf.getNotBefore().toInstant());
        }
        // its TLS contexts are made for the first handshake that needs one
        return new ServerCertificate(ref, leaf, new ServerContexts(settings, key, chain));
    }

    /**
     * Why {@code secret} cannot be served now for {@code hosts} (lower case), as the server says it, or {@code null}
     * when it can: what is wrong with it, or which hosts its certificate does not name.
     */
    public String problem(ObjectRef ref, Secret secret, List<String> hosts) {
        ServerCertificate certificate;
        try {
            certificate = read(ref, secret, Instant.now());
        } catch (InvalidCertificateException e) {
            return e.getMessage() + toDefault(hosts);
        }
        List<String> uncovered = hosts.stream().filter(host -> !certificate.servedFor(host)).toList();
        return uncovered.isEmpty() ? null : certificate.notFor(uncovered) + toDefault(uncovered);
    }

    private static String toDefault(List<String> hosts) {
        return "; " + (hosts.isEmpty() ? "its hosts get" : String.join(", ", hosts) + (hosts.size() == 1 ? " gets"
                : " get")) + " the default certificate";
    }

    /**
     * Certificates are read from {@code kubernetes.io/tls} Secrets and from {@code Opaque} ones with the same keys, as
     * ingress-nginx reads them (External Secrets and Vault's injector make Opaque ones), in a cluster and from
     * manifests alike; never from another type (a registry's credentials, a token), which no Ingress may name.
     */
    static void checkType(Secret secret) throws InvalidCertificateException {
        String type = secret.getType() == null ? OPAQUE : secret.getType();
        if (!type.equals(TLS_TYPE) && !type.equals(OPAQUE)) {
            throw new InvalidCertificateException("is of type " + type + "; Caravan reads certificates only from "
                    + TLS_TYPE + " and " + OPAQUE + " Secrets");
        }
    }

    /** A data field as bytes, which the Secret must have. */
    static byte[] field(Secret secret, String name) throws InvalidCertificateException {
        byte[] bytes;
        try {
            bytes = SecretData.field(secret, name);
        } catch (IllegalArgumentException notBase64) {
            throw new InvalidCertificateException(notBase64.getMessage());
        }
        if (bytes == null) {
            throw new InvalidCertificateException("has no " + name);
        }
        return bytes;
    }

    static List<X509Certificate> certificates(String field, byte[] pem) throws InvalidCertificateException {
        List<X509Certificate> chain = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (String block : SecretData.pemBlocks("CERTIFICATE", new String(pem, StandardCharsets.US_ASCII))) {
                chain.add((X509Certificate) factory.generateCertificate(
                        new ByteArrayInputStream(block.getBytes(StandardCharsets.US_ASCII))));
            }
        } catch (GeneralSecurityException e) {
            throw new InvalidCertificateException(field + " is not a PEM certificate chain: " + e.getMessage());
        }
        if (chain.isEmpty()) {
            throw new InvalidCertificateException(field + " holds no certificate");
        }
        return chain;
    }

    static PrivateKey privateKey(byte[] pem) throws InvalidCertificateException {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (Reader reader = new InputStreamReader(new ByteArrayInputStream(pem), StandardCharsets.US_ASCII);
                PEMParser parser = new PEMParser(reader)) {
            for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
                if (object instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (object instanceof PEMKeyPair pair) {
                    return converter.getPrivateKey(pair.getPrivateKeyInfo());
                }
                if (object instanceof PEMEncryptedKeyPair || object instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw new InvalidCertificateException("tls.key is encrypted; Caravan needs it unencrypted");
                }
            }
        } catch (IOException e) {
            throw new InvalidCertificateException("tls.key is not a PEM private key: " + e.getMessage());
        }
        throw new InvalidCertificateException("tls.key holds no private key");
    }

    static void checkKeyMatches(PrivateKey key, X509Certificate leaf) throws InvalidCertificateException {
        boolean match;
        try {
            match = KeyPairs.match(key, leaf.getPublicKey());
        } catch (IllegalArgumentException unserved) {
            throw new InvalidCertificateException(unserved.getMessage());
        } catch (RuntimeException broken) {
            throw new InvalidCertificateException("tls.key cannot be checked against tls.crt: " + broken.getMessage());
        }
        if (match) {
            return;
        }
        throw new InvalidCertificateException("tls.key does not belong to the first certificate of tls.crt ("
                + leaf.getSubjectX500Principal().getName() + ")");
    }
}

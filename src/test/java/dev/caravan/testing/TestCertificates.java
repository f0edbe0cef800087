package dev.caravan.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509KeyManager;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/** A test certificate authority issuing server certificates with chosen names and validity. */
public final class TestCertificates {

    private static final String[] NO_NAMES = {};
    private static final KeyPurposeId[] NO_USES = {};
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    /** An issued certificate and its key, with the PEM a Secret holds. */
    public record Issued(X509Certificate certificate, KeyPair keys) {

        public String certificatePem() {
            return pem(certificate);
        }

        /** The key as PKCS#8 ({@code BEGIN PRIVATE KEY}). */
        public String keyPem() {
            return pem(new PemObject("PRIVATE KEY", keys.getPrivate().getEncoded()));
        }

        /** The key in its traditional form: PKCS#1 for RSA, SEC1 for EC, as openssl and cert-manager write them. */
        public String traditionalKeyPem() {
            if (!keys.getPrivate().getAlgorithm().equals("EC")) {
                return pem(keys.getPrivate());
            }
            // SEC1 with its curve named inside, as openssl writes it (the JDK's PKCS#8 keeps the curve outside)
            PrivateKeyInfo info = PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded());
            org.bouncycastle.asn1.sec.ECPrivateKey inner = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(
                    info.getPrivateKey().getOctets());
            DERBitString publicKey = new DERBitString(SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded()).getPublicKeyData().getBytes());
            try {
                return pem(new PemObject("EC PRIVATE KEY", new org.bouncycastle.asn1.sec.ECPrivateKey(256,
                        inner.getKey(), publicKey, info.getPrivateKeyAlgorithm().getParameters()).getEncoded()));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        /** A kubernetes.io/tls Secret manifest holding this certificate (base64 data, as kubectl writes it). */
        public String secret(String name) {
            return TestCertificates.secret(name, certificatePem(), keyPem());
        }
    }

    private final KeyPair caKeys;
    private final X509Certificate ca;

    public TestCertificates() {
        this("CN=Caravan Test CA");
    }

    /** A root authority of this name. */
    public TestCertificates(String name) {
        this(name, Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(30)));
    }

    /** A root authority of this name, valid between these times. */
    public TestCertificates(String name, Instant notBefore, Instant notAfter) {
        caKeys = ecKeys();
        ca = build(new X500Name(name), caKeys, caKeys, new X500Name(name), notBefore, notAfter, true, NO_NAMES, NO_USES);
    }

    private TestCertificates(KeyPair caKeys, X509Certificate ca) {
        this.caKeys = caKeys;
        this.ca = ca;
    }

    /** This authority's certificate made anew, with the same name and key, valid between these times. */
    public TestCertificates renewed(Instant notBefore, Instant notAfter) {
        X500Name name = issuerName();
        return new TestCertificates(caKeys, build(name, caKeys, caKeys, name, notBefore, notAfter, true, NO_NAMES,
                NO_USES));
    }

    /** An intermediate authority of this name, issued by this one, limited to these extended key uses if any. */
    public TestCertificates intermediate(String name, KeyPurposeId... uses) {
        KeyPair keys = ecKeys();
        return new TestCertificates(keys, build(new X500Name(name), keys, caKeys, issuerName(),
                Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(30)), true, NO_NAMES,
                uses));
    }

    /** The authority's certificate as PEM, as a Secret's ca.crt holds it. */
    public String caPem() {
        return pem(ca);
    }

    /** A client certificate with this subject (e.g. {@code CN=alice,O=Example}), for TLS client authentication. */
    public Issued issueClient(String subject) {
        return issueClient(subject, Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(30)),
                KeyPurposeId.id_kp_clientAuth);
    }

    /** A client certificate with these validity dates and extended key uses (none: no such extension). */
    public Issued issueClient(String subject, Instant notBefore, Instant notAfter, KeyPurposeId... uses) {
        KeyPair keys = ecKeys();
        return new Issued(build(new X500Name(subject), keys, caKeys, issuerName(), notBefore, notAfter, false, NO_NAMES, uses),
                keys);
    }

    /** A revocation list of this authority, as PEM, revoking these certificates. */
    public String crlPem(X509Certificate... revoked) {
        try {
            X509v2CRLBuilder builder = new X509v2CRLBuilder(issuerName(), Date.from(Instant.now().minusSeconds(60)));
            builder.setNextUpdate(Date.from(Instant.now().plus(Duration.ofDays(7))));
            for (X509Certificate certificate : revoked) {
                builder.addCRLEntry(certificate.getSerialNumber(), Date.from(Instant.now().minusSeconds(60)),
                        CRLReason.keyCompromise);
            }
            X509CRLHolder crl = builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate()));
            return pem(new PemObject("X509 CRL", crl.getEncoded()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A TLS client context that trusts {@code trusted} and presents {@code presented}, with its chain after it,
     * whatever authorities the server names.
     */
    public static SSLContext clientContext(X509Certificate trusted, Issued presented, X509Certificate... chain) {
        return clientContext(trusted, presenting(presented, chain));
    }

    /** A TLS client context that trusts {@code trusted} and presents what {@code keys} hold. */
    public static SSLContext clientContext(X509Certificate trusted, PresentingKeyManager keys) {
        return clientContext("TLS", trusted, keys);
    }

    /** The same, speaking at most {@code protocol} ({@code "TLSv1.2"}, say). */
    public static SSLContext clientContext(String protocol, X509Certificate trusted, PresentingKeyManager keys) {
        try {
            SSLContext context = SSLContext.getInstance(protocol);
            context.init(new KeyManager[] {keys}, trusting(trusted).getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The keys of a client presenting {@code presented}, with its chain after it. */
    public static PresentingKeyManager presenting(Issued presented, X509Certificate... chain) {
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            X509Certificate[] presentedChain = new X509Certificate[chain.length + 1];
            presentedChain[0] = presented.certificate();
            System.arraycopy(chain, 0, presentedChain, 1, chain.length);
            keys.setKeyEntry("client", presented.keys().getPrivate(), new char[0], presentedChain);
            KeyManagerFactory keyFactory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyFactory.init(keys, new char[0]);
            return new PresentingKeyManager((X509KeyManager) keyFactory.getKeyManagers()[0]);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private X500Name issuerName() {
        return X500Name.getInstance(ca.getSubjectX500Principal().getEncoded());
    }

    public X509Certificate ca() {
        return ca;
    }

    /** A server certificate for these DNS names, valid from yesterday for a month. */
    public Issued issue(String... names) {
        return issue(Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(30)), ecKeys(), names);
    }

    public Issued issue(Instant notBefore, Instant notAfter, KeyPair keys, String... names) {
        X509Certificate certificate = build(new X500Name("CN=" + names[0]), keys, caKeys, issuerName(), notBefore,
                notAfter, false, names, NO_USES);
        return new Issued(certificate, keys);
    }

    /** A TLS client context that trusts this CA only. */
    public SSLContext clientContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trusting(ca).getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static TrustManagerFactory trusting(X509Certificate trusted) throws GeneralSecurityException, IOException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", trusted);
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        return factory;
    }

    public static KeyPair ecKeys() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static KeyPair rsaKeys() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A Secret manifest of type kubernetes.io/tls with these PEM texts, base64-encoded. */
    public static String secret(String name, String certificatePem, String keyPem) {
        Base64.Encoder base64 = Base64.getEncoder();
        return """
                apiVersion: v1
                kind: Secret
                metadata:
                  name: %s
                type: kubernetes.io/tls
                data:
                  tls.crt: %s
                  tls.key: %s
                """.formatted(name, base64.encodeToString(certificatePem.getBytes()),
                base64.encodeToString(keyPem.getBytes()));
    }

    private static X509Certificate build(X500Name subject, KeyPair subjectKeys, KeyPair issuerKeys, X500Name issuer,
            Instant notBefore, Instant notAfter, boolean ca, String[] dnsNames, KeyPurposeId[] uses) {
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
                    BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(notBefore), Date.from(notAfter), subject,
                    subjectKeys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            if (dnsNames.length > 0) {
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(Arrays.stream(dnsNames)
                        .map(name -> new GeneralName(GeneralName.dNSName, name)).toArray(GeneralName[]::new)));
            }
            if (uses.length > 0) {
                builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(uses));
            }
            String algorithm = issuerKeys.getPrivate().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder(algorithm).build(issuerKeys.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A certificate as PEM, 64 characters a line. */
    public static String pemOf(X509Certificate certificate) {
        return pem(certificate);
    }

    private static String pem(Object object) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return text.toString();
    }
}

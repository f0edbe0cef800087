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
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/** A test certificate authority issuing server certificates with chosen names and validity. */
public final class TestCertificates {

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
        caKeys = ecKeys();
        ca = build(new X500Name("CN=Caravan Test CA"), caKeys, caKeys, new X500Name("CN=Caravan Test CA"),
                Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(30)), true);
    }

    public X509Certificate ca() {
        return ca;
    }

    /** A server certificate for these DNS names, valid from yesterday for a month. */
    public Issued issue(String... names) {
        return issue(Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(30)), ecKeys(), names);
    }

    public Issued issue(Instant notBefore, Instant notAfter, KeyPair keys, String... names) {
        X509Certificate certificate = build(new X500Name("CN=" + names[0]), keys, caKeys,
                new X500Name("CN=Caravan Test CA"), notBefore, notAfter, false, names);
        return new Issued(certificate, keys);
    }

    /** A TLS client context that trusts this CA only. */
    public SSLContext clientContext() {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", ca);
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
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
            Instant notBefore, Instant notAfter, boolean ca, String... dnsNames) {
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
                    BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(notBefore), Date.from(notAfter), subject,
                    subjectKeys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            if (dnsNames.length > 0) {
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(Arrays.stream(dnsNames)
                        .map(name -> new GeneralName(GeneralName.dNSName, name)).toArray(GeneralName[]::new)));
            }
            String algorithm = issuerKeys.getPrivate().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder(algorithm).build(issuerKeys.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
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

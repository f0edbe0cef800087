package dev.caravan.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravan.routing.ObjectRef;
import dev.caravan.testing.TestCertificates;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.junit.jupiter.api.Test;

/** What a TLS Secret must hold to be served, and the reason given when it does not. */
class TlsSecretReaderTest {

    private static final TestCertificates AUTHORITY = new TestCertificates();
    private static final ObjectRef REF = new ObjectRef("default", "s");
    private final TlsSecretReader reader = new TlsSecretReader(TlsSettings.defaults());

    @Test
    void readsPkcs8AndTraditionalKeysOfEveryCommonType() throws Exception {
        TestCertificates.Issued rsa = AUTHORITY.issue(Instant.now().minus(Duration.ofHours(1)),
                Instant.now().plus(Duration.ofDays(1)), TestCertificates.rsaKeys(), "rsa.example.test");
        TestCertificates.Issued ec = AUTHORITY.issue("ec.example.test");
        for (TestCertificates.Issued issued : new TestCertificates.Issued[] {rsa, ec}) {
            assertThat(read(issued.certificatePem(), issued.keyPem()).leaf()).isEqualTo(issued.certificate());
            // PKCS#1 (RSA PRIVATE KEY) and SEC1 (EC PRIVATE KEY), as openssl and cert-manager write them
            assertThat(issued.traditionalKeyPem()).doesNotContain("BEGIN PRIVATE KEY");
            assertThat(read(issued.certificatePem(), issued.traditionalKeyPem()).leaf()).isEqualTo(issued.certificate());
        }
    }

    @Test
    void aChainIsServedWholeWithTheLeafFirst() throws Exception {
        TestCertificates.Issued leaf = AUTHORITY.issue("chain.example.test");
        String chain = leaf.certificatePem() + pem(AUTHORITY.ca());
        ServerCertificate certificate = read(chain, leaf.keyPem());
        assertThat(certificate.leaf()).isEqualTo(leaf.certificate());
        assertThat(certificate.notAfter()).isEqualTo(leaf.certificate().getNotAfter().toInstant());
    }

    @Test
    void stringDataAsWrittenInManifestsIsRead() throws Exception {
        TestCertificates.Issued issued = AUTHORITY.issue("plain.example.test");
        Secret secret = new SecretBuilder().withNewMetadata().withName("s").endMetadata().withType("kubernetes.io/tls")
                .withStringData(Map.of("tls.crt", issued.certificatePem(), "tls.key", issued.keyPem())).build();
        assertThat(reader.read(REF, secret, Instant.now()).leaf()).isEqualTo(issued.certificate());
    }

    @Test
    void eachDefectIsNamed() throws Exception {
        TestCertificates.Issued issued = AUTHORITY.issue("x.example.test");
        TestCertificates.Issued other = AUTHORITY.issue("y.example.test");
        assertThatThrownBy(() -> read(issued.certificatePem(), other.keyPem()))
                .hasMessageContaining("tls.key does not belong to the first certificate of tls.crt (CN=x.example.test)");
        assertThatThrownBy(() -> read("garbage", issued.keyPem())).hasMessageContaining("tls.crt holds no certificate");
        String[] lines = issued.certificatePem().split("\n");
        lines[2] = "AAAA" + lines[2].substring(8);
        String corrupt = String.join("\n", lines);
        assertThatThrownBy(() -> read(corrupt, issued.keyPem())).hasMessageContaining("tls.crt is not a PEM");
        // a key pasted after the certificate in tls.crt, as some tools write it, is no part of the chain
        assertThat(read(issued.certificatePem() + issued.keyPem(), issued.keyPem()).leaf())
                .isEqualTo(issued.certificate());
        assertThatThrownBy(() -> read(issued.certificatePem(), "garbage")).hasMessageContaining("tls.key holds no private key");
        assertThatThrownBy(() -> read(issued.certificatePem(), encrypted(issued)))
                .hasMessageContaining("tls.key is encrypted");
        Secret empty = new SecretBuilder().withNewMetadata().withName("s").endMetadata().withType("kubernetes.io/tls")
                .withData(Map.of("tls.crt", "")).build();
        // an Opaque Secret with the same keys is read, as ingress-nginx reads it; a registry's credentials are not
        Secret opaque = new SecretBuilder(secret(issued.certificatePem(), issued.keyPem())).withType("Opaque").build();
        assertThat(reader.read(REF, opaque, Instant.now()).leaf()).isEqualTo(issued.certificate());
        Secret registry = new SecretBuilder(opaque).withType("kubernetes.io/dockerconfigjson").build();
        assertThatThrownBy(() -> reader.read(REF, registry, Instant.now())).hasMessage("is of type"
                + " kubernetes.io/dockerconfigjson; Caravan reads certificates only from kubernetes.io/tls and Opaque"
                + " Secrets");
        assertThatThrownBy(() -> reader.read(REF, empty, Instant.now())).hasMessageContaining("has no tls.crt");
        assertThatThrownBy(() -> reader.read(REF, secret(issued.certificatePem(), issued.keyPem()),
                Instant.now().plus(Duration.ofDays(60)))).hasMessageContaining("tls.crt expired on");
        assertThatThrownBy(() -> reader.read(REF, secret(issued.certificatePem(), issued.keyPem()),
                Instant.now().minus(Duration.ofDays(60)))).hasMessageContaining("is not valid before");
    }

    private ServerCertificate read(String certificate, String key) throws InvalidCertificateException {
        return reader.read(REF, secret(certificate, key), Instant.now());
    }

    private static Secret secret(String certificate, String key) {
        java.util.Base64.Encoder base64 = java.util.Base64.getEncoder();
        return new SecretBuilder().withNewMetadata().withName("s").endMetadata().withType("kubernetes.io/tls")
                .withData(Map.of("tls.crt", base64.encodeToString(certificate.getBytes()),
                        "tls.key", base64.encodeToString(key.getBytes())))
                .build();
    }

    private static String pem(Object object) throws Exception {
        java.io.StringWriter text = new java.io.StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        }
        return text.toString();
    }

    private static String encrypted(TestCertificates.Issued issued) throws Exception {
        java.io.StringWriter text = new java.io.StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(issued.keys().getPrivate(),
                    new JcePEMEncryptorBuilder("AES-128-CBC").setProvider(new BouncyCastleProvider())
                            .build("secret".toCharArray()));
        }
        return text.toString();
    }
}

package dev.caravan.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravan.testing.TestCertificates;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.Test;

/** Client certificate chains against an auth-tls-secret's authorities, in the words of nginx's $ssl_client_verify. */
class ClientCertificateAuthorityTest {

    static TestCertificates root = new TestCertificates("CN=Clients Root");
    static TestCertificates intermediate = root.intermediate("CN=Clients Intermediate");
    static ClientCertificateAuthority authority = ClientCertificateAuthority.of(root.caPem(), null);

    @Test
    void aCertificateTheAuthorityIssuedIsGood() {
        TestCertificates.Issued alice = root.issueClient("CN=alice,O=Example");
        assertThat(authority.verify(List.of(alice.certificate()), 1, new Date())).isNull();
        // a certificate without extended key uses may be used for anything
        TestCertificates.Issued plain = root.issueClient("CN=plain", Instant.now().minusSeconds(60),
                Instant.now().plus(Duration.ofDays(1)));
        assertThat(authority.verify(List.of(plain.certificate()), 1, new Date())).isNull();
    }

    @Test
    void aCertificateOfAnotherAuthorityExpiredOrForServersIsNot() {
        TestCertificates other = new TestCertificates("CN=Someone Else");
        assertThat(authority.verify(List.of(other.issueClient("CN=mallory").certificate()), 1, new Date()))
                .isEqualTo("unable to get local issuer certificate");
        assertThat(authority.verify(List.of(other.ca()), 1, new Date())).isEqualTo("self-signed certificate");
        TestCertificates.Issued expired = root.issueClient("CN=old", Instant.now().minus(Duration.ofDays(30)),
                Instant.now().minus(Duration.ofDays(1)), KeyPurposeId.id_kp_clientAuth);
        assertThat(authority.verify(List.of(expired.certificate()), 1, new Date())).isEqualTo("certificate has expired");
        TestCertificates.Issued early = root.issueClient("CN=early", Instant.now().plus(Duration.ofDays(1)),
                Instant.now().plus(Duration.ofDays(30)), KeyPurposeId.id_kp_clientAuth);
        assertThat(authority.verify(List.of(early.certificate()), 1, new Date()))
                .isEqualTo("certificate is not yet valid");
        TestCertificates.Issued server = root.issueClient("CN=server", Instant.now().minusSeconds(60),
                Instant.now().plus(Duration.ofDays(1)), KeyPurposeId.id_kp_serverAuth);
        assertThat(authority.verify(List.of(server.certificate()), 1, new Date()))
                .isEqualTo("unsupported certificate purpose");
    }

    @Test
    void theDepthBoundsTheIntermediatesAsOpenSslsVerifyDepth() {
        TestCertificates.Issued bob = intermediate.issueClient("CN=bob");
        assertThat(authority.verify(List.of(bob.certificate(), intermediate.ca()), 1, new Date())).isNull();
        TestCertificates deeper = intermediate.intermediate("CN=Clients Deeper");
        TestCertificates.Issued carl = deeper.issueClient("CN=carl");
        List<X509Certificate> sent = List.of(carl.certificate(), deeper.ca(), intermediate.ca());
        assertThat(authority.verify(sent, 1, new Date())).isEqualTo("certificate chain too long");
        assertThat(authority.verify(sent, 2, new Date())).isNull();
        // without the intermediate it sends, the chain cannot be built at any depth
        assertThat(authority.verify(List.of(bob.certificate()), 5, new Date()))
                .isEqualTo("unable to get local issuer certificate");
        // an intermediate among the authorities is an authority of its own
        ClientCertificateAuthority both = ClientCertificateAuthority.of(root.caPem() + intermediate.caPem(), null);
        assertThat(both.verify(List.of(carl.certificate(), deeper.ca()), 1, new Date())).isNull();
    }

    @Test
    void anyUseIsNoClientUseForOpenSsl() {
        TestCertificates.Issued any = root.issueClient("CN=any", Instant.now().minusSeconds(60),
                Instant.now().plus(Duration.ofDays(1)), KeyPurposeId.anyExtendedKeyUsage);
        assertThat(authority.verify(List.of(any.certificate()), 1, new Date()))
                .isEqualTo("unsupported certificate purpose");
    }

    @Test
    void theAuthoritiesAreCheckedAsOpenSslChecksThem() {
        TestCertificates forServers = root.intermediate("CN=Servers Only", KeyPurposeId.id_kp_serverAuth);
        TestCertificates.Issued frank = forServers.issueClient("CN=frank");
        assertThat(authority.verify(List.of(frank.certificate(), forServers.ca()), 1, new Date()))
                .isEqualTo("unsupported certificate purpose");
        TestCertificates expired = new TestCertificates("CN=Expired Root", Instant.now().minus(Duration.ofDays(30)),
                Instant.now().minus(Duration.ofDays(1)));
        ClientCertificateAuthority old = ClientCertificateAuthority.of(expired.caPem(), null);
        assertThat(old.verify(List.of(expired.issueClient("CN=gina").certificate()), 1, new Date()))
                .isEqualTo("certificate has expired");
        // beside its renewal (the same name and key), an expired root is passed over, as OpenSSL does
        TestCertificates renewal = expired.renewed(Instant.now().minus(Duration.ofDays(1)),
                Instant.now().plus(Duration.ofDays(365)));
        for (String authorities : List.of(expired.caPem() + renewal.caPem(), renewal.caPem() + expired.caPem())) {
            assertThat(ClientCertificateAuthority.of(authorities, null)
                    .verify(List.of(expired.issueClient("CN=hank").certificate()), 1, new Date())).isNull();
        }
    }

    @Test
    void aRevocationListRevokes() {
        TestCertificates.Issued carol = root.issueClient("CN=carol");
        TestCertificates.Issued dave = root.issueClient("CN=dave");
        ClientCertificateAuthority revoking = ClientCertificateAuthority.of(root.caPem(),
                root.crlPem(carol.certificate()));
        assertThat(revoking.verify(List.of(carol.certificate()), 1, new Date())).isEqualTo("certificate revoked");
        assertThat(revoking.verify(List.of(dave.certificate()), 1, new Date())).isNull();
    }

    @Test
    void aSecretIsReadFromDataOrStringDataAndWhatIsWrongIsSaid() {
        Secret opaque = new SecretBuilder().withNewMetadata().withName("ca").endMetadata()
                .withData(Map.of("ca.crt", Base64.getEncoder().encodeToString(root.caPem().getBytes())))
                .build();
        assertThat(ClientCertificateAuthority.fromSecret(opaque).authorities()).containsExactly(root.ca());
        Secret written = new SecretBuilder().withNewMetadata().withName("ca").endMetadata()
                .withStringData(Map.of("ca.crt", root.caPem(), "ca.crl", root.crlPem())).build();
        TestCertificates.Issued erin = root.issueClient("CN=erin");
        // with a revocation list, revocation is checked, and a certificate it does not list is good
        assertThat(ClientCertificateAuthority.fromSecret(written).verify(List.of(erin.certificate()), 1, new Date()))
                .isNull();
        Secret empty = new SecretBuilder().withNewMetadata().withName("ca").endMetadata()
                .withStringData(Map.of("tls.crt", root.caPem())).build();
        assertThatThrownBy(() -> ClientCertificateAuthority.fromSecret(empty)).hasMessageContaining("has no key 'ca.crt'");
        assertThatThrownBy(() -> ClientCertificateAuthority.of("not a certificate", null))
                .hasMessageContaining("ca.crt holds no PEM certificate");
        assertThatThrownBy(() -> ClientCertificateAuthority.of(root.caPem(), "not a list"))
                .hasMessageContaining("ca.crl holds no PEM revocation list");
    }
}

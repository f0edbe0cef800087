package dev.caravan.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.TestCertificates;
import org.junit.jupiter.api.Test;

/** Which hosts a certificate is served for, as ingress-nginx decides it: its DNS names, else its common name. */
class ServerCertificateTest {

    private static final TestCertificates AUTHORITY = new TestCertificates();

    private static ServerCertificate of(TestCertificates.Issued issued) {
        return new ServerCertificate(null, issued.certificate(), null);
    }

    @Test
    void itCoversTheNamesOfItsSubjectAltNameAndOneLabelUnderAWildcard() {
        ServerCertificate certificate = of(AUTHORITY.issue("shop.example.com", "*.api.example.com"));
        assertThat(certificate.covers("shop.example.com")).isTrue();
        assertThat(certificate.covers("v1.api.example.com")).isTrue();
        assertThat(certificate.covers("*.api.example.com")).as("a wildcard host its wildcard names").isTrue();
        assertThat(certificate.covers("a.v1.api.example.com")).isFalse();
        assertThat(certificate.covers("api.example.com")).isFalse();
        assertThat(certificate.covers("other.example.com")).isFalse();
        assertThat(certificate.names()).isEqualTo("it names shop.example.com, *.api.example.com");
    }

    @Test
    void anOldCertificateWithoutDnsNamesCoversItsCommonName() {
        ServerCertificate old = of(AUTHORITY.issueClient("CN=legacy.example.com, O=Shop"));
        assertThat(old.isFor("legacy.example.com")).as("no subjectAltName: a client would refuse it").isFalse();
        assertThat(old.covers("legacy.example.com")).as("ingress-nginx serves it all the same").isTrue();
        assertThat(old.covers("other.example.com")).isFalse();
        assertThat(old.names()).startsWith("its subject is ").contains("CN=legacy.example.com");
    }
}

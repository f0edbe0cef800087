package dev.caravan.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.TlsClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeneratedCertificateTest {

    private static final String ECDSA_SUITE = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
    private static final String RSA_SUITE = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";

    @TempDir
    Path manifests;

    @Test
    void withTheDefaultCipherSuitesTheKeyIsEcdsaAndTls12AndTls13ClientsGetIt() throws Exception {
        try (CaravanHarness caravan = CaravanHarness.start(manifests)) {
            X509Certificate tls12 = handshake(caravan.httpsPort(), "TLSv1.2", ECDSA_SUITE);
            X509Certificate tls13 = handshake(caravan.httpsPort(), "TLSv1.3", "TLS_AES_128_GCM_SHA256");

            assertThat(TlsClient.subject(tls12)).contains(GeneratedCertificate.NAME);
            assertThat(tls12.getPublicKey().getAlgorithm()).isEqualTo("EC");
            assertThat(tls13).isEqualTo(tls12);
        }
    }

    @Test
    void tls12WithoutAnEcdsaSuiteGetsAnRsaKeyItsClientsCanUse() throws Exception {
        try (CaravanHarness caravan = CaravanHarness.start(manifests, "--ssl-ciphers", RSA_SUITE)) {
            X509Certificate served = handshake(caravan.httpsPort(), "TLSv1.2", RSA_SUITE);

            assertThat(TlsClient.subject(served)).contains(GeneratedCertificate.NAME);
            assertThat(served.getPublicKey().getAlgorithm()).isEqualTo("RSA");
        }
    }

    @Test
    void theKeyIsRsaWhereTls12HasNoEcdsaSuiteTheTlsLibraryEnables() {
        // static ECDH: named ECDSA, but no TLS library here enables it
        String unsupported = "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256";

        assertThat(keyAlgorithm(new TlsSettings(List.of("TLSv1.3"), List.of(RSA_SUITE), true))).isEqualTo("EC");
        assertThat(keyAlgorithm(new TlsSettings(List.of("TLSv1.3", "TLSv1.2"), List.of(RSA_SUITE, ECDSA_SUITE), true)))
                .isEqualTo("EC");
        assertThat(keyAlgorithm(new TlsSettings(List.of("TLSv1.2"), List.of(unsupported, RSA_SUITE), true)))
                .isEqualTo("RSA");
    }

    private static String keyAlgorithm(TlsSettings settings) {
        return GeneratedCertificate.create(settings).leaf().getPublicKey().getAlgorithm();
    }

    /** A handshake offering one protocol and one suite, with SNI for a host that has no certificate. */
    private static X509Certificate handshake(int port, String protocol, String suite) throws IOException {
        try (SSLSocket socket = (SSLSocket) TlsClient.trustAll().getSocketFactory().createSocket()) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName("no-certificate.example.test")));
            parameters.setProtocols(new String[] {protocol});
            parameters.setCipherSuites(new String[] {suite});
            socket.setSSLParameters(parameters);
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            assertThat(socket.getSession().getCipherSuite()).isEqualTo(suite);
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }
}

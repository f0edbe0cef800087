package dev.caravan.tls;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.compile.Problem;
import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import dev.caravan.testing.TlsClient;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ssl-passthrough: the pod terminates TLS; Caravan only reads the SNI name and relays bytes. */
class SslPassthroughTest {

    private static final String PASSTHROUGH = "nginx.ingress.kubernetes.io/ssl-passthrough";

    @TempDir
    Path manifests;

    @Test
    void tlsForAPassthroughHostReachesThePodUndecrypted() throws Exception {
        try (TestBackend pod = TestBackend.startTls("127.0.0.2", "tls-pod");
                TestBackend plain = TestBackend.start("127.0.0.3", "plain-pod")) {
            pod.respond(request -> TestBackend.text(HttpResponseStatus.OK, "pod terminated TLS; forwarded proto "
                    + request.headers().get("X-Forwarded-Proto")));
            write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(),
                    Manifests.service("tls-svc", pod), Manifests.service("plain-svc", plain),
                    Manifests.ingress("pass", "pass.example.test", "/", "tls-svc", Map.of(PASSTHROUGH, "true")),
                    Manifests.ingress("terminated", "other.example.test", "/", "plain-svc")));
            try (CaravanHarness caravan = CaravanHarness.start(manifests, "--enable-ssl-passthrough")) {
                try (SSLSocket socket = TlsClient.connect(caravan.httpsPort(), "pass.example.test", TlsClient.trustAll())) {
                    X509Certificate presented = (X509Certificate) socket.getSession().getPeerCertificates()[0];
                    assertThat(presented.getSubjectX500Principal().getName()).isEqualTo("CN=pod.test");
                    RawHttp http = new RawHttp(socket, 10_000);
                    for (int i = 0; i < 3; i++) {
                        http.send("GET /x HTTP/1.1\r\nHost: pass.example.test\r\n\r\n");
                        assertThat(http.read(false).text()).isEqualTo("pod terminated TLS; forwarded proto null");
                    }
                }
                // other names are still terminated by Caravan
                try (SSLSocket socket = TlsClient.connect(caravan.httpsPort(), "other.example.test", TlsClient.trustAll())) {
                    X509Certificate presented = (X509Certificate) socket.getSession().getPeerCertificates()[0];
                    assertThat(presented.getSubjectX500Principal().getName()).contains(GeneratedCertificate.NAME);
                    RawHttp http = new RawHttp(socket, 10_000);
                    http.send("GET / HTTP/1.1\r\nHost: other.example.test\r\n\r\n");
                    assertThat(http.read(false).text()).isEqualTo("plain-pod");
                }
            }
        }
    }

    @Test
    void withoutTheFlagTheAnnotationIsReportedAndTlsTerminated() throws Exception {
        try (TestBackend pod = TestBackend.start("127.0.0.2", "pod")) {
            write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                    Manifests.ingress("pass", "pass.example.test", "/", "svc", Map.of(PASSTHROUGH, "true"))));
            try (CaravanHarness caravan = CaravanHarness.start(manifests)) {
                assertThat(caravan.caravan().lastCompilation().problems()).anySatisfy(problem -> {
                    assertThat(problem.reason()).isEqualTo(Problem.UNSUPPORTED_ANNOTATION);
                    assertThat(problem.message()).contains("--enable-ssl-passthrough");
                });
                try (SSLSocket socket = TlsClient.connect(caravan.httpsPort(), "pass.example.test", TlsClient.trustAll())) {
                    RawHttp http = new RawHttp(socket, 10_000);
                    http.send("GET / HTTP/1.1\r\nHost: pass.example.test\r\n\r\n");
                    assertThat(http.read(false).text()).isEqualTo("pod");
                }
            }
        }
    }
}

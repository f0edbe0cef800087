package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp2;
import dev.caravan.testing.TestBackend;
import dev.caravan.testing.TestCertificates;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --keep-alive-timeout}: how long an idle client connection stays open, over HTTP/1.1 and HTTP/2; a CamelRoute
 * backend has its proxy-read-timeout instead.
 */
class KeepAliveTimeoutTest {

    @TempDir
    Path manifests;
    @TempDir
    Path routes;
    TestBackend pod;
    CaravanHarness caravan;
    final TestCertificates.Issued local = new TestCertificates().issue("localhost");

    @BeforeEach
    void start() throws Exception {
        pod = TestBackend.start("127.0.0.2", "pod");
        // answers long after the keep-alive timeout
        Files.writeString(routes.resolve("late.yaml"), """
                - route:
                    id: late
                    from:
                      uri: direct:late
                      steps:
                        - delay:
                            constant: 6000
                        - setBody:
                            constant: "late"
                """);
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), local.secret("local-tls"),
                Manifests.service("svc", pod), Manifests.tlsIngress("app", "localhost", "/", "svc", "localhost", "local-tls"),
                Manifests.withTls(Manifests.camelRouteIngress("late", "localhost", "/late", "late",
                        Map.of("nginx.ingress.kubernetes.io/proxy-read-timeout", "2")), "localhost", "local-tls")));
        caravan = CaravanHarness.start(manifests, "--routes", routes.toString(), "--keep-alive-timeout", "1");
    }

    @AfterEach
    void stop() throws Exception {
        caravan.close();
        pod.close();
    }

    @Test
    void anIdleConnectionIsClosedAfterTheTimeout() throws Exception {
        try (Socket client = new Socket("127.0.0.1", caravan.httpPort())) {
            client.getOutputStream().write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            client.setSoTimeout(4000);
            InputStream in = client.getInputStream();
            long started = System.nanoTime();
            int read;
            try {
                while ((read = in.read()) >= 0) {
                    // the answer (a redirect to HTTPS, the host has TLS), then the close
                }
            } catch (SocketTimeoutException open) {
                read = -2;
            }
            assertThat(read).as("closed, not still open after 4 s").isEqualTo(-1);
            assertThat((System.nanoTime() - started) / 1_000_000).isGreaterThanOrEqualTo(900);
        }
    }

    @Test
    void anHttp2StreamWhoseCamelRouteStaysSilentIsAnsweredAtItsReadTimeoutNotCutAtTheKeepAliveOne() throws Exception {
        try (RawHttp2 client = RawHttp2.connect(caravan.httpsPort(), "localhost")) {
            long started = System.nanoTime();
            client.headers(1, true, ":method", "GET", ":scheme", "https", ":authority", "localhost", ":path", "/late");
            // the route answers only after 6 s: its proxy-read-timeout (2 s) answers first, as over HTTP/1
            RawHttp2.Frame answer = client.await(RawHttp2.HEADERS, 1, 4000);
            assertThat(answer).as("answered within 4 s").isNotNull();
            assertThat((System.nanoTime() - started) / 1_000_000).as("after the keep-alive timeout")
                    .isGreaterThanOrEqualTo(1900);
        }
    }
}

package dev.caravan.gateway;

import dev.caravan.testing.FreePorts;
import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a client gets when the pods cannot answer: 503, 502, 504, and a retry where that is safe. */
class ProxyErrorsTest {

    @TempDir
    static Path manifests;
    static TestBackend live;
    static TestBackend slow;
    static TestBackend cookies;
    static int closedPort;
    static CaravanHarness caravan;

    @BeforeAll
    static void start() throws Exception {
        live = TestBackend.start("127.0.0.2", "live");
        slow = TestBackend.start("127.0.0.3", "slow");
        slow.delay(4000);
        cookies = TestBackend.start("127.0.0.4", "cookies");
        cookies.respond(request -> {
            FullHttpResponse response = TestBackend.text(HttpResponseStatus.OK, "fed");
            // a head of 40k: above Caravan's default of 32k, as single sign-on proxies' cookies can make it
            response.headers().add("Set-Cookie", "session=" + "x".repeat(40_000));
            return response;
        });
        closedPort = FreePorts.next();
        write(manifests, "class.yaml", Manifests.ingressClass());
        write(manifests, "services.yaml", String.join("---\n",
                Manifests.service("live", live),
                Manifests.service("slow", slow),
                Manifests.service("cookies", cookies),
                Manifests.service("down") + "---\n" + Manifests.slice("down-0", "down", "127.0.0.2", live.port(), false),
                Manifests.service("dead") + "---\n" + Manifests.slice("dead-0", "dead", "127.0.0.5", closedPort, true),
                Manifests.service("half", live) + "---\n"
                        + Manifests.slice("half-dead", "half", "127.0.0.6", closedPort, true)));
        write(manifests, "ingresses.yaml", String.join("---\n",
                Manifests.ingress("to-down", "down.example.com", "/", "down"),
                Manifests.ingress("to-ghost", "ghost.example.com", "/", "ghost"),
                Manifests.ingress("to-dead", "dead.example.com", "/", "dead"),
                Manifests.ingress("to-half", "half.example.com", "/", "half"),
                Manifests.ingress("to-slow", "slow.example.com", "/", "slow"),
                Manifests.ingress("small-heads", "small.example.com", "/", "cookies"),
                Manifests.ingress("large-heads", "large.example.com", "/", "cookies",
                        Map.of("nginx.ingress.kubernetes.io/proxy-buffer-size", "64k"))));
        caravan = CaravanHarness.start(manifests, "--proxy-read-timeout", "1");
    }

    @AfterAll
    static void stop() throws Exception {
        caravan.close();
        live.close();
        slow.close();
        cookies.close();
    }

    @Test
    void aResponseHeadLargerThanTheRoutesLimitIs502AndProxyBufferSizeRaisesIt() throws Exception {
        // the same pod behind both: each route's connections are its own, with its own limit
        for (int i = 0; i < 2; i++) {
            assertThat(caravan.get("small.example.com", "/").status()).isEqualTo(502);
            RawHttp.Response large = caravan.get("large.example.com", "/");
            assertThat(large.status()).isEqualTo(200);
            assertThat(large.header("Set-Cookie")).hasSize("session=".length() + 40_000);
            assertThat(large.text()).isEqualTo("fed");
        }
    }

    @Test
    void noReadyEndpointIs503() throws Exception {
        RawHttp.Response response = caravan.get("down.example.com", "/");
        assertThat(response.status()).isEqualTo(503);
        assertThat(response.text()).isEqualTo("503 Service Unavailable\n");
    }

    @Test
    void missingServiceIs503() throws Exception {
        assertThat(caravan.get("ghost.example.com", "/").status()).isEqualTo(503);
    }

    @Test
    void refusedConnectionIs502WithAShortBody() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("GET / HTTP/1.1\r\nHost: dead.example.com\r\nX-Secret: hunter2\r\n\r\n");
            RawHttp.Response response = http.read(false);
            assertThat(response.status()).isEqualTo(502);
            assertThat(response.text()).isEqualTo("502 Bad Gateway\n");
            assertThat(response.headers().toString()).doesNotContain("hunter2");
            // a complete request leaves the client connection usable
            http.send("GET / HTTP/1.1\r\nHost: half.example.com\r\n\r\n");
            assertThat(http.read(false).status()).isEqualTo(200);
        }
    }

    @Test
    void refusedConnectionTriesTheNextEndpoint() throws Exception {
        for (int i = 0; i < 10; i++) {
            RawHttp.Response response = caravan.get("half.example.com", "/" + i);
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.text()).isEqualTo("live");
        }
    }

    @Test
    void silentBackendIs504AfterTheReadTimeout() throws Exception {
        long started = System.nanoTime();
        RawHttp.Response response = caravan.get("slow.example.com", "/");
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertThat(response.status()).isEqualTo(504);
        assertThat(response.text()).isEqualTo("504 Gateway Timeout\n");
        assertThat(millis).isGreaterThanOrEqualTo(900).isLessThan(3900);
    }
}

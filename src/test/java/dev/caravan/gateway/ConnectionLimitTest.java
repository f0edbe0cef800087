package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --max-connections: connections beyond the limit are closed on accept; a freed slot is taken again. */
class ConnectionLimitTest {

    @TempDir
    Path manifests;

    @Test
    void connectionsBeyondTheLimitAreClosedAtOnce() throws Exception {
        try (TestBackend pod = TestBackend.start("127.0.0.2", "pod")) {
            write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                    Manifests.ingress("app", "app.example.test", "/", "svc")));
            try (CaravanHarness caravan = CaravanHarness.start(manifests, "--max-connections", "2")) {
                RawHttp first = new RawHttp(caravan.httpPort(), 5_000);
                RawHttp second = new RawHttp(caravan.httpPort(), 5_000);
                for (RawHttp http : new RawHttp[] {first, second}) {
                    http.send("GET / HTTP/1.1\r\nHost: app.example.test\r\n\r\n");
                    assertThat(http.read(false).status()).isEqualTo(200);
                }
                try (RawHttp third = new RawHttp(caravan.httpPort(), 5_000)) {
                    assertThat(third.closedByPeer()).isTrue();
                }
                first.close();
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                    try (RawHttp again = new RawHttp(caravan.httpPort(), 5_000)) {
                        again.send("GET / HTTP/1.1\r\nHost: app.example.test\r\n\r\n");
                        assertThat(again.read(false).status()).isEqualTo(200);
                    }
                });
                second.send("GET /still HTTP/1.1\r\nHost: app.example.test\r\n\r\n");
                assertThat(second.read(false).status()).isEqualTo(200);
                second.close();
                String metrics = RawHttp.get(caravan.adminPort(), "localhost", "/metrics").text();
                assertThat(metrics).containsPattern("caravan_connections_refused_total [1-9]");
            }
        }
    }
}

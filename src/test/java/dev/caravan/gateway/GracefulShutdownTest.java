package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stopping Caravan lets requests in flight finish: not ready first, then drained, then stopped. */
class GracefulShutdownTest {

    @TempDir
    Path manifests;

    @Test
    void aRequestInFlightWhenStoppingStillGetsItsResponse() throws Exception {
        try (TestBackend slow = TestBackend.start("127.0.0.2", "slow")) {
            slow.delay(1500);
            write(manifests, "all.yaml", Manifests.ingressClass() + "---\n" + Manifests.service("svc", slow) + "---\n"
                    + Manifests.ingress("app", "app.example.com", "/", "svc"));
            CaravanHarness caravan = CaravanHarness.start(manifests);
            try (RawHttp inFlight = new RawHttp(caravan.httpPort()); RawHttp idle = new RawHttp(caravan.httpPort())) {
                inFlight.send("GET / HTTP/1.1\r\nHost: app.example.com\r\n\r\n");
                Thread.sleep(300);
                CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> {
                    try {
                        caravan.close();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                Thread.sleep(300);
                assertThat(RawHttp.get(caravan.adminPort(), "localhost", "/readyz").status())
                        .as("not ready while draining").isEqualTo(503);
                assertThat(idle.closedByPeer()).as("an idle keep-alive connection is closed").isTrue();
                // a load balancer that has not yet seen the readiness go: served, then closed
                try (RawHttp late = new RawHttp(caravan.httpPort())) {
                    late.send("GET / HTTP/1.1\r\nHost: app.example.com\r\n\r\n");
                    RawHttp.Response answer = late.read(false);
                    assertThat(answer.status()).isEqualTo(200);
                    assertThat(answer.header("Connection")).as("opened while draining").isEqualToIgnoringCase("close");
                    assertThat(late.closedByPeer()).isTrue();
                }

                RawHttp.Response response = inFlight.read(false);
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.text()).isEqualTo("slow");
                assertThat(response.header("Connection")).isEqualToIgnoringCase("close");
                stopping.get(20, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void camelGivesTheStopAsLongAsTheGracePeriodAndShutdownTimeoutTake() throws Exception {
        write(manifests, "all.yaml", Manifests.ingressClass());
        // ingress-nginx's worker-shutdown-timeout is often 240 s: Camel Main's own 45 s (and 15) must not cut it
        try (CaravanHarness caravan = CaravanHarness.start(manifests, "--shutdown-grace-period", "5",
                "--shutdown-timeout", "240")) {
            assertThat(caravan.caravan().camelContext().getShutdownStrategy().getTimeout()).isEqualTo(5 + 240 + 30);
        }
    }

    @Test
    void duringTheGracePeriodEverythingIsServedAsUsualButReadiness() throws Exception {
        try (TestBackend pod = TestBackend.start("127.0.0.2", "pod")) {
            write(manifests, "all.yaml", Manifests.ingressClass() + "---\n" + Manifests.service("svc", pod) + "---\n"
                    + Manifests.ingress("app", "app.example.com", "/", "svc"));
            CaravanHarness caravan = CaravanHarness.start(manifests, "--shutdown-grace-period", "2");
            try (RawHttp keptAlive = new RawHttp(caravan.httpPort())) {
                keptAlive.send("GET /before HTTP/1.1\r\nHost: app.example.com\r\n\r\n");
                assertThat(keptAlive.read(false).status()).isEqualTo(200);
                long asked = System.nanoTime();
                CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> {
                    try {
                        caravan.close();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                Thread.sleep(300);
                RawHttp.Response readyz = RawHttp.get(caravan.adminPort(), "localhost", "/readyz");
                assertThat(readyz.status()).isEqualTo(503);
                assertThat(readyz.text()).isEqualTo("not ready: shutting down\n");
                // load balancers may still send traffic: new connections and kept-alive ones are served
                assertThat(RawHttp.get(caravan.httpPort(), "app.example.com", "/new").status()).isEqualTo(200);
                keptAlive.send("GET /again HTTP/1.1\r\nHost: app.example.com\r\n\r\n");
                RawHttp.Response again = keptAlive.read(false);
                assertThat(again.status()).isEqualTo(200);
                assertThat(again.header("Connection")).as("not closing yet").isNull();
                stopping.get(20, TimeUnit.SECONDS);
                assertThat(System.nanoTime() - asked).as("the grace period was kept").isGreaterThan(2_000_000_000L);
            }
        }
    }
}

package dev.caravan;

import dev.caravan.testing.FreePorts;
import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.camel.ServiceStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A changed file in the routes folder is reloaded while Caravan runs; Caravan's own routes and traffic are untouched. */
class RouteReloadTest {

    @TempDir
    Path manifests;
    @TempDir
    Path routes;

    @Test
    void aChangedRouteFileIsReloadedAndNothingElseMoves() throws Exception {
        int port = FreePorts.next();
        Files.writeString(routes.resolve("hello.yaml"), route(port, "v1"));
        try (TestBackend pod = TestBackend.start("127.0.0.2", "pod")) {
            write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                    Manifests.ingress("app", "app.example.test", "/", "svc")));
            try (CaravanHarness caravan = CaravanHarness.start(manifests, "--routes", routes.toString())) {
                assertThat(RawHttp.get(port, "localhost", "/").text()).isEqualTo("v1");
                Files.writeString(routes.resolve("hello.yaml"), route(port, "v2"));
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                        .until(() -> RawHttp.get(port, "localhost", "/").text().equals("v2"));
                // Caravan's own routes are still there and started, and still serve
                assertThat(caravan.caravan().camelContext().getRouteController().getRouteStatus("listener-http"))
                        .isEqualTo(ServiceStatus.Started);
                assertThat(caravan.caravan().camelContext().getRouteController().getRouteStatus("source-manifests"))
                        .isEqualTo(ServiceStatus.Started);
                assertThat(caravan.get("app.example.test", "/").text()).isEqualTo("pod");
                assertThat(caravan.caravan().readiness().ready()).isTrue();
            }
        }
    }

    private static String route(int port, String answer) {
        return """
                - route:
                    id: hello
                    from:
                      uri: netty-http:http://127.0.0.1:%d/
                      parameters:
                        bridgeEndpoint: true
                      steps:
                        - setBody:
                            constant: "%s"
                """.formatted(port, answer);
    }
}

package dev.caravan;

import dev.caravan.testing.FreePorts;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.cli.CaravanOptions;
import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.RawHttp;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The README's first command, as a newcomer runs it: the bundled examples and routes, served. */
class ExamplesTest {

    @Test
    void theDemoIngressAnswersFromTheDemoBackendRoute() throws Exception {
        int httpPort = FreePorts.next();
        int adminPort = FreePorts.next();
        CaravanOptions options = CaravanOptions.parse(new String[] {"--manifests", "examples", "--routes", "routes",
                "--bind-address", "127.0.0.1", "--http-port", String.valueOf(httpPort),
                "--admin-port", String.valueOf(adminPort)}, new Properties(), Map.of());
        Caravan caravan = new Caravan(options);
        caravan.start();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> caravan.readiness().ready());
            RawHttp.Response response = RawHttp.get(httpPort, "demo.localhost", "/hello");
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.text()).startsWith("Hello from the Caravan demo backend.")
                    .contains("host: demo.localhost", "path: /hello", "x-forwarded-for: 127.0.0.1");
            assertThat(RawHttp.get(adminPort, "localhost", "/readyz").text()).isEqualTo("ready\n");
            assertThat(RawHttp.get(adminPort, "localhost", "/healthz").text()).isEqualTo("ok\n");
        } finally {
            caravan.stop();
        }
    }
}

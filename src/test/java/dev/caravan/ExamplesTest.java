package dev.caravan;

import dev.caravan.testing.FreePorts;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.cli.CaravanOptions;
import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.RawHttp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command, as a newcomer runs it: the bundled examples and routes, served. */
class ExamplesTest {

    @TempDir
    Path audit;

    @Test
    void theDemoIngressAnswersFromTheDemoBackendRouteThroughTheExampleRoutes() throws Exception {
        int httpPort = FreePorts.next();
        int adminPort = FreePorts.next();
        CaravanOptions options = CaravanOptions.parse(new String[] {"--manifests", "examples", "--routes", "routes",
                "--bind-address", "127.0.0.1", "--http-port", String.valueOf(httpPort),
                "--admin-port", String.valueOf(adminPort)}, new Properties(), Map.of());
        // where routes/change-audit.yaml writes
        System.setProperty("caravan.audit.dir", audit.toString());
        Caravan caravan = new Caravan(options);
        caravan.start();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> caravan.readiness().ready());
            RawHttp.Response response = RawHttp.get(httpPort, "demo.localhost", "/hello");
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.text()).startsWith("Hello from the Caravan demo backend.")
                    .contains("host: demo.localhost", "path: /hello", "x-forwarded-for: 127.0.0.1")
                    // routes/add-request-headers.yaml ran first
                    .contains("x-ingress: default/demo\n").containsPattern("x-request-start: t=\\d{13}\n");

            // routes/api-key-check.yaml: no key, no entry; the key lets the request on, without the key
            RawHttp.Response refused = RawHttp.get(httpPort, "demo.localhost", "/private/x");
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.header("WWW-Authenticate")).isEqualTo("ApiKey header=\"X-Api-Key\"");
            try (RawHttp client = new RawHttp(httpPort)) {
                client.send("GET /private/x HTTP/1.1\r\nHost: demo.localhost\r\nX-Api-Key: demo-key\r\n\r\n");
                RawHttp.Response admitted = client.read(false);
                assertThat(admitted.status()).isEqualTo(200);
                assertThat(admitted.text()).contains("path: /private/x", "x-api-key: \n");
            }

            // routes/change-audit.yaml logged the routing table's first version
            Path log = audit.resolve("routing-changes.log");
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(log)
                    && Files.readString(log).contains("demo.localhost"));
            assertThat(Files.readString(log)).containsPattern("^\\d{4}-\\d\\d-\\d\\dT.* version \\d+: ");
            assertThat(RawHttp.get(adminPort, "localhost", "/readyz").text()).isEqualTo("ready\n");
            assertThat(RawHttp.get(adminPort, "localhost", "/healthz").text()).isEqualTo("ok\n");
        } finally {
            caravan.stop();
            System.clearProperty("caravan.audit.dir");
        }
    }
}

package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** custom-headers: a ConfigMap's headers on an Ingress's responses, as ingress-nginx's more_set_headers. */
class CustomHeadersTest {

    private static final String P = "nginx.ingress.kubernetes.io/";

    @TempDir
    Path manifests;
    TestBackend pod;
    CaravanHarness caravan;

    private static String configMap(String name, Map<String, String> data) {
        StringBuilder yaml = new StringBuilder("""
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: %s
                data:
                """.formatted(name));
        data.forEach((key, value) -> yaml.append("  ").append(key).append(": '").append(value.replace("'", "''"))
                .append("'\n"));
        return yaml.toString();
    }

    private void writeManifests(String headersValue) {
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                configMap("security", Map.of("X-Frame-Options", headersValue,
                        "Content-Security-Policy", "default-src 'self'")),
                configMap("forbidden", Map.of("Set-Cookie", "admin=1")),
                configMap("framing", Map.of("Content-Length", "0")),
                configMap("unlisted", Map.of("X-A", "1", "X-B", "2", "X-Frame-Options", "DENY")),
                Manifests.ingress("secured", "secured.test", "/", "svc", Map.of(P + "custom-headers", "security")),
                Manifests.ingress("cookie", "cookie.test", "/", "svc", Map.of(P + "custom-headers", "forbidden")),
                Manifests.ingress("length", "length.test", "/", "svc", Map.of(P + "custom-headers", "framing")),
                Manifests.ingress("missing", "missing.test", "/", "svc", Map.of(P + "custom-headers", "nowhere")),
                Manifests.ingress("unlisted", "unlisted.test", "/", "svc", Map.of(P + "custom-headers", "unlisted")),
                Manifests.ingress("elsewhere", "elsewhere.test", "/", "svc",
                        Map.of(P + "custom-headers", "other/security")),
                Manifests.ingress("ghost", "ghost.test", "/", "ghost", Map.of(P + "custom-headers", "security")),
                Manifests.ingress("plain", "plain.test", "/", "svc"),
                // a canary's requests get the main Ingress's headers: its own ConfigMap is not even read
                Manifests.ingress("canary", "secured.test", "/", "svc", Map.of(P + "canary", "true",
                        P + "canary-weight", "100", P + "custom-headers", "nowhere"))));
    }

    @BeforeEach
    void start() throws Exception {
        pod = TestBackend.start("127.0.0.2", "pod");
        pod.respond(request -> {
            FullHttpResponse response = TestBackend.text(request.uri().startsWith("/missing-page")
                    ? HttpResponseStatus.NOT_FOUND : HttpResponseStatus.OK, "pod");
            response.headers().set("X-Frame-Options", "ALLOWALL");
            return response;
        });
        writeManifests("DENY");
        caravan = CaravanHarness.start(manifests, "--global-allowed-response-headers",
                "x-frame-options, Content-Security-Policy");
    }

    @AfterEach
    void stop() throws Exception {
        caravan.close();
        pod.close();
    }

    @Test
    void theConfigMapsHeadersReplaceThePodsOnEveryResponseOfThePaths() throws Exception {
        RawHttp.Response secured = caravan.get("secured.test", "/");
        assertThat(secured.status()).isEqualTo(200);
        assertThat(secured.headers("X-Frame-Options")).containsExactly("DENY");
        assertThat(secured.header("Content-Security-Policy")).isEqualTo("default-src 'self'");
        assertThat(caravan.get("secured.test", "/missing-page").headers("X-Frame-Options")).containsExactly("DENY");
        // another Ingress's responses are its own
        assertThat(caravan.get("plain.test", "/").headers("X-Frame-Options")).containsExactly("ALLOWALL");
        assertThat(caravan.caravan().lastCompilation().problems())
                .noneSatisfy(problem -> assertThat(problem.ingress().name()).isEqualTo("canary"));
        // Caravan's own answers for the paths carry them too: a Service with no pod
        RawHttp.Response local = caravan.get("ghost.test", "/");
        assertThat(local.status()).isEqualTo(503);
        assertThat(local.headers("X-Frame-Options")).containsExactly("DENY");
    }

    @Test
    void aHeaderTheOperatorDoesNotAllowAMissingConfigMapOrAnotherNamespaceDenyTheIngress() throws Exception {
        // as ingress-nginx's "location denied": answered 503, never handed to another Ingress's rules
        for (String host : new String[] {"cookie.test", "length.test", "missing.test", "elsewhere.test"}) {
            assertThat(caravan.get(host, "/").status()).as(host).isEqualTo(503);
        }
        assertThat(caravan.caravan().lastCompilation().problems()).anySatisfy(problem -> {
            assertThat(problem.ingress().name()).isEqualTo("cookie");
            assertThat(problem.message()).contains("sets Set-Cookie, which is not among the headers"
                    + " --global-allowed-response-headers allows");
        }).anySatisfy(problem -> {
            // every header not allowed at once, not one per restart
            assertThat(problem.ingress().name()).isEqualTo("unlisted");
            assertThat(problem.message()).contains("sets X-A, X-B, which are not among the headers");
        }).anySatisfy(problem -> {
            assertThat(problem.ingress().name()).isEqualTo("length");
            assertThat(problem.message()).contains("has 'Content-Length', which is no header it may set");
        }).anySatisfy(problem -> {
            assertThat(problem.ingress().name()).isEqualTo("missing");
            assertThat(problem.message()).contains("ConfigMap default/nowhere does not exist");
        }).anySatisfy(problem -> {
            assertThat(problem.ingress().name()).isEqualTo("elsewhere");
            assertThat(problem.message()).contains("--allow-cross-namespace-resources");
        });
    }

    @Test
    void theHeadersAreTheRequestsOwnOnAConnectionThatServesOtherIngresses() throws Exception {
        try (RawHttp client = new RawHttp(caravan.httpPort())) {
            for (String host : new String[] {"secured.test", "plain.test", "secured.test", "nobody.test"}) {
                client.send("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
                RawHttp.Response response = client.read(false);
                assertThat(response.headers("Content-Security-Policy")).as(host)
                        .hasSize(host.equals("secured.test") ? 1 : 0);
            }
        }
    }

    @Test
    void anEditOfTheConfigMapAppliesAtOnce() throws Exception {
        writeManifests("SAMEORIGIN");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() ->
                "SAMEORIGIN".equals(caravan.get("secured.test", "/").header("X-Frame-Options")));
    }
}

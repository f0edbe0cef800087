package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * nginx's {@code $uri} once rewrite-target has run: the rewritten path, in the values evaluated after nginx's rewrite
 * phase (proxy-set-headers, add-headers, upstream-hash-by), while {@code $request_uri} stays the client's.
 */
class RewrittenUriTest {

    private static final String P = "nginx.ingress.kubernetes.io/";

    @TempDir
    Path manifests;
    TestBackend first;
    TestBackend second;
    CaravanHarness caravan;

    private static Map<String, String> rewriting(Map<String, String> more) {
        Map<String, String> annotations = new java.util.HashMap<>(Map.of(P + "use-regex", "true",
                P + "rewrite-target", "/$2"));
        annotations.putAll(more);
        return annotations;
    }

    @BeforeEach
    void start() throws Exception {
        first = TestBackend.start("127.0.0.2", "first");
        second = TestBackend.start("127.0.0.3", "second");
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(),
                Manifests.service("svc", first, second),
                Manifests.configMap("request-headers", "X-Uri: $uri\n  X-Request-Uri: $request_uri"),
                Manifests.configMap("response-headers", "X-Uri: $uri"),
                Manifests.ingress("api", "rewrite.test", "/api(/|$)(.*)", "svc", rewriting(Map.of())),
                Manifests.ingress("a", "hashed.test", "/a(/|$)(.*)", "svc",
                        rewriting(Map.of(P + "upstream-hash-by", "$uri"))),
                Manifests.ingress("b", "hashed.test", "/b(/|$)(.*)", "svc",
                        rewriting(Map.of(P + "upstream-hash-by", "$uri"))),
                Manifests.ingress("moved", "moved.test", "/old(/|$)(.*)", "svc",
                        rewriting(Map.of(P + "permanent-redirect", "https://new.example$uri")))));
        caravan = CaravanHarness.start(manifests, "--proxy-set-headers", "default/request-headers",
                "--add-headers", "default/response-headers");
    }

    @AfterEach
    void stop() throws Exception {
        caravan.close();
        first.close();
        second.close();
    }

    private RawHttp.Response get(String host, String target) throws Exception {
        try (RawHttp client = new RawHttp(caravan.httpPort())) {
            client.send("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
            return client.read(false);
        }
    }

    @Test
    void proxySetHeadersAndAddHeadersReadTheRewrittenPath() throws Exception {
        RawHttp.Response response = get("rewrite.test", "/api/items/%37?q=1");
        assertThat(response.status()).isEqualTo(200);
        TestBackend.Seen seen = (first.seen().isEmpty() ? second : first).last();
        assertThat(seen.uri()).isEqualTo("/items/7?q=1");
        // $uri is decoded and normalized, $request_uri is what the client sent
        assertThat(seen.headers().get("X-Uri")).isEqualTo("/items/7");
        assertThat(seen.headers().get("X-Request-Uri")).isEqualTo("/api/items/%37?q=1");
        assertThat(response.header("X-Uri")).isEqualTo("/items/7");
    }

    @Test
    void upstreamHashByUriHashesTheRewrittenPath() throws Exception {
        // /a/x and /b/x both become /x: one key, one pod, for every x (by the paths as sent, 1 in 2^12 would agree)
        for (int i = 0; i < 12; i++) {
            String viaA = get("hashed.test", "/a/item-" + i).text();
            String viaB = get("hashed.test", "/b/item-" + i).text();
            assertThat(viaB).as("pod for /item-" + i).isEqualTo(viaA);
        }
        // and the keys do spread over both pods
        assertThat(first.seen()).isNotEmpty();
        assertThat(second.seen()).isNotEmpty();
    }

    @Test
    void permanentRedirectRunsBeforeTheRewrite() throws Exception {
        // ingress-nginx's return comes before the location's rewrite: $uri is still the client's path
        RawHttp.Response response = get("moved.test", "/old/page");
        assertThat(response.status()).isEqualTo(301);
        assertThat(response.header("Location")).isEqualTo("https://new.example/old/page");
    }
}

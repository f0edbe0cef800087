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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an Ingress's spec.defaultBackend serves (the paths its rules do not match on its hosts) is under its annotations,
 * as ingress-nginx's default location of the host: all but those that rewrite or redirect the path.
 */
class IngressDefaultBackendTest {

    private static final String P = "nginx.ingress.kubernetes.io/";

    @TempDir
    Path manifests;
    TestBackend app;
    TestBackend fallback;
    TestBackend spare;

    @AfterEach
    void stop() {
        for (TestBackend backend : new TestBackend[] {app, fallback, spare}) {
            if (backend != null) {
                backend.close();
            }
        }
    }

    @Test
    void theIngresssAnnotationsHoldWhereItsDefaultBackendServes() throws Exception {
        app = TestBackend.start("127.0.0.2", "app");
        fallback = TestBackend.start("127.0.0.3", "fallback");
        spare = TestBackend.start("127.0.0.4", "spare");
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("app", app),
                Manifests.service("fallback", fallback), Manifests.service("spare", spare), Manifests.service("empty"),
                withDefaultBackend(Manifests.ingress("site", "site.test", "/app(/|$)(.*)", "app", Map.of(
                        P + "rewrite-target", "/$2", P + "upstream-vhost", "internal.site", P + "x-forwarded-prefix",
                        "/site", P + "enable-cors", "true", P + "cors-allow-origin", "https://ui.test", P + "affinity",
                        "cookie"))
                        .replace("pathType: Prefix", "pathType: ImplementationSpecific"), "fallback"),
                // no ready pod behind its defaultBackend: the default-backend annotation's Service serves
                withDefaultBackend(Manifests.ingress("spared", "spared.test", "/app", "app",
                        Map.of(P + "default-backend", "spare")), "empty"),
                // no rules: its defaultBackend serves every host no rule names, under its annotations
                Manifests.ingress("everything", "", "/", "app", Map.of(P + "upstream-vhost", "catch.all"))
                        .replaceFirst("(?s)  rules:.*", java.util.regex.Matcher.quoteReplacement(
                                "  defaultBackend:\n    service:\n      name: spare\n      port:\n        name: http\n"))));
        try (CaravanHarness caravan = CaravanHarness.start(manifests);
                RawHttp client = new RawHttp(caravan.httpPort())) {
            client.send("GET /app/x HTTP/1.1\r\nHost: site.test\r\nOrigin: https://ui.test\r\n\r\n");
            assertThat(client.read(false).status()).isEqualTo(200);
            assertThat(app.last().uri()).isEqualTo("/x");

            client.send("GET /elsewhere/y HTTP/1.1\r\nHost: site.test\r\nOrigin: https://ui.test\r\n\r\n");
            RawHttp.Response unmatched = client.read(false);
            assertThat(unmatched.status()).isEqualTo(200);
            assertThat(unmatched.header("Access-Control-Allow-Origin")).isEqualTo("https://ui.test");
            TestBackend.Seen seen = fallback.last();
            assertThat(seen.headers().get("Host")).isEqualTo("internal.site");
            assertThat(seen.uri()).isEqualTo("/elsewhere/y");
            // ingress-nginx sets the affinity cookie on the rules' paths only, never for the whole host
            assertThat(unmatched.header("Set-Cookie")).isNull();

            client.send("GET /other HTTP/1.1\r\nHost: spared.test\r\n\r\n");
            assertThat(client.read(false).status()).isEqualTo(200);
            assertThat(spare.last().uri()).isEqualTo("/other");

            client.send("GET /anything HTTP/1.1\r\nHost: unknown.test\r\n\r\n");
            assertThat(client.read(false).status()).isEqualTo(200);
            assertThat(spare.last().uri()).isEqualTo("/anything");
            assertThat(spare.last().headers().get("Host")).isEqualTo("catch.all");
        }
    }

    private static String withDefaultBackend(String ingress, String service) {
        return ingress.replaceFirst("(?m)^  rules:\n", java.util.regex.Matcher.quoteReplacement(
                "  defaultBackend:\n    service:\n      name: " + service + "\n      port:\n        name: http\n  rules:\n"));
    }
}

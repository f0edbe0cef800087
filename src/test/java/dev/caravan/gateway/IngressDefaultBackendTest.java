package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import dev.caravan.testing.TestCertificates;
import org.apache.commons.codec.digest.Md5Crypt;
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
                Manifests.withDefaultBackend(Manifests.ingress("site", "site.test", "/app(/|$)(.*)", "app", Map.of(
                        P + "rewrite-target", "/$2", P + "upstream-vhost", "internal.site", P + "x-forwarded-prefix",
                        "/site", P + "enable-cors", "true", P + "cors-allow-origin", "https://ui.test", P + "affinity",
                        "cookie"))
                        .replace("pathType: Prefix", "pathType: ImplementationSpecific"), "fallback"),
                // no ready pod behind its defaultBackend: the default-backend annotation's Service serves
                Manifests.withDefaultBackend(Manifests.ingress("spared", "spared.test", "/app", "app",
                        Map.of(P + "default-backend", "spare")), "empty"),
                // no rules: its defaultBackend serves every host no rule names, under its annotations
                Manifests.ingress("everything", "", "/", "app", Map.of(P + "upstream-vhost", "catch.all",
                        P + "force-ssl-redirect", "true"))
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

            // as ingress-nginx's catch-all: its redirects, force-ssl-redirect among them, are not applied
            client.send("GET /anything HTTP/1.1\r\nHost: unknown.test\r\n\r\n");
            assertThat(client.read(false).status()).isEqualTo(200);
            assertThat(spare.last().uri()).isEqualTo("/anything");
            assertThat(spare.last().headers().get("Host")).isEqualTo("catch.all");
        }
    }

    @Test
    void withoutADefaultBackendTheHostsOldestIngressHoldsWhereNoRuleMatches() throws Exception {
        app = TestBackend.start("127.0.0.2", "app");
        fallback = TestBackend.start("127.0.0.3", "global-default");
        spare = TestBackend.start("127.0.0.4", "spare");
        TestCertificates certificates = new TestCertificates();
        Map<String, String> guarded = Map.of(P + "whitelist-source-range", "10.0.0.0/8");
        String zOpen = created(Manifests.ingress("z-open", "shared.test", "/one", "app", Map.of(P + "upstream-vhost",
                "vhost.test", P + "backend-protocol", "HTTPS")), "2020-01-01T00:00:00Z");
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("app", app),
                Manifests.service("global-default", fallback), Manifests.service("spare", spare),
                BasicAuthTest.secret("users", Map.of("auth", "ann:" + Md5Crypt.apr1Crypt("pw") + "\n")),
                Manifests.ingress("guarded", "guarded.test", "/app", "app", guarded),
                // the older of two Ingresses naming a host holds, whichever name sorts first; what shapes the
                // request to a pod is not applied to the operator's default backend
                zOpen,
                created(Manifests.ingress("b-guarded", "shared.test", "/two", "app", guarded), "2021-01-01T00:00:00Z"),
                // a younger Ingress's defaultBackend does not serve a host an older one names
                created(Manifests.withDefaultBackend(Manifests.ingress("c-late", "shared.test", "/three", "app"), "spare"),
                        "2022-01-01T00:00:00Z"),
                Manifests.ingress("members", "members.test", "/app", "app", Map.of(P + "auth-type", "basic",
                        P + "auth-secret", "users")),
                certificates.issue("secure.test").secret("secure-tls"),
                Manifests.tlsIngress("secure", "secure.test", "/app", "app", "secure.test", "secure-tls"),
                // as ingress-nginx, a named host's default location redirects as its Ingress does
                Manifests.ingress("moved", "moved.test", "/old", "app", Map.of(P + "permanent-redirect",
                        "https://new.test$request_uri")),
                Manifests.ingress("escaped", "escaped.test", "/", "app", Map.of(P + "permanent-redirect",
                        "https://n.example$uri")),
                Manifests.ingress("relative", "relative.test", "/", "app", Map.of(P + "temporal-redirect",
                        "/$arg_next")),
                // a rule without a host claims no host's default location
                Manifests.ingress("anyhost", "", "/any", "app", guarded)));
        String original = java.nio.file.Files.readString(manifests.resolve("all.yaml"));
        try (CaravanHarness caravan = CaravanHarness.start(manifests)) {
            // as ingress-nginx: the paths no rule matches are refused as the host's paths are, not told apart by a 404
            assertThat(caravan.get("guarded.test", "/unknown").status()).isEqualTo(403);
            assertThat(caravan.get("shared.test", "/two").status()).isEqualTo(403);
            assertThat(caravan.get("shared.test", "/unknown").status()).isEqualTo(404);
            assertThat(spare.seen()).isEmpty();
            // authentication first, then the 404
            try (RawHttp client = new RawHttp(caravan.httpPort())) {
                client.send("GET /unknown HTTP/1.1\r\nHost: members.test\r\n\r\n");
                assertThat(client.read(false).status()).isEqualTo(401);
                String credentials = java.util.Base64.getEncoder().encodeToString("ann:pw".getBytes());
                client.send("GET /unknown HTTP/1.1\r\nHost: members.test\r\nAuthorization: Basic " + credentials
                        + "\r\n\r\n");
                assertThat(client.read(false).status()).isEqualTo(404);
            }
            // plain HTTP to a TLS host is redirected to HTTPS before anything else, known path or not
            RawHttp.Response redirected = caravan.get("secure.test", "/unknown?q=1");
            assertThat(redirected.status()).isEqualTo(308);
            assertThat(redirected.header("Location")).isEqualTo("https://secure.test/unknown?q=1");
            assertThat(caravan.get("elsewhere.test", "/unknown").status()).isEqualTo(404);
            // with the request's variables filled in, as nginx's return
            RawHttp.Response moved = caravan.get("moved.test", "/unknown?q=%C3%BC");
            assertThat(moved.status()).isEqualTo(301);
            assertThat(moved.header("Location")).isEqualTo("https://new.test/unknown?q=%C3%BC");
            // what a request fills in stays one URL and one header value: control bytes, spaces and UTF-8 escaped
            RawHttp.Response escaped = caravan.get("escaped.test", "/a%0D%0Ab%20c/%E2%82%AC");
            assertThat(escaped.status()).isEqualTo(301);
            assertThat(escaped.header("Location")).isEqualTo("https://n.example/a%0D%0Ab%20c/%E2%82%AC");
            // a path is sent after the request's scheme and host, as nginx's absolute redirects: never elsewhere
            RawHttp.Response relative = caravan.get("relative.test", "/?next=/evil.example");
            assertThat(relative.status()).isEqualTo(302);
            assertThat(relative.header("Location")).isEqualTo("http://relative.test//evil.example");

            // the oldest Ingress gone, the next one holds
            assertThat(original).contains(zOpen + "---\n");
            write(manifests, "all.yaml", original.replace(zOpen + "---\n", ""));
            assertThat(caravan.awaitResponse("shared.test", "/unknown", response -> response.status() != 404)
                    .status()).isEqualTo(403);
        }
        // the global default backend answers them once they are let in, as the operator's: over plain HTTP, with the
        // client's Host, whatever backend-protocol and upstream-vhost the oldest Ingress says
        write(manifests, "all.yaml", original);
        try (CaravanHarness caravan = CaravanHarness.start(manifests, "--default-backend-service",
                "default/global-default")) {
            assertThat(caravan.get("guarded.test", "/unknown").status()).isEqualTo(403);
            assertThat(caravan.get("shared.test", "/unknown").status()).isEqualTo(200);
            TestBackend.Seen seen = fallback.last();
            assertThat(seen.uri()).isEqualTo("/unknown");
            assertThat(seen.headers().get("Host")).isEqualTo("shared.test");
        }
    }

    private static String created(String ingress, String timestamp) {
        return ingress.replaceFirst("(?m)^metadata:\n", "metadata:\n  creationTimestamp: \"" + timestamp + "\"\n");
    }

}

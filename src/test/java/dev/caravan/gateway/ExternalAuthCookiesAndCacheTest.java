package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * auth-url's cookies for the client ({@code auth-always-set-cookie}) and its kept answers
 * ({@code auth-cache-key}, {@code auth-cache-duration}), against a real auth service and pod.
 */
class ExternalAuthCookiesAndCacheTest {

    private static final String P = "nginx.ingress.kubernetes.io/";

    @TempDir
    Path manifests;
    @TempDir
    Path routes;
    TestBackend pod;
    TestBackend auth;
    CaravanHarness caravan;

    @BeforeEach
    void start() throws Exception {
        pod = TestBackend.start("127.0.0.2", "pod");
        pod.respond(request -> {
            if (request.uri().startsWith("/fail")) {
                FullHttpResponse failed = TestBackend.text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "failed");
                failed.headers().set("Set-Cookie", "pod=1");
                return failed;
            }
            return TestBackend.text(HttpResponseStatus.OK, "pod");
        });
        auth = TestBackend.start("127.0.0.4", "auth");
        auth.respond(request -> {
            String credentials = String.valueOf(request.headers().get("Authorization"));
            FullHttpResponse ok = TestBackend.text(HttpResponseStatus.OK, "");
            switch (credentials) {
                case "Bearer good" -> ok.headers().set("X-Auth-Request-User", "alice");
                case "Bearer refresh" -> ok.headers().add("Set-Cookie", "_oauth2_proxy=refreshed; Path=/")
                        .add("Set-Cookie", "_oauth2_proxy_1=more; Path=/").set("X-Auth-Request-User", "bob");
                case "Bearer nostore" -> ok.headers().set("Cache-Control", "no-store");
                case "Bearer vary" -> ok.headers().set("Vary", "Cookie");
                case "Bearer bad" -> {
                    FullHttpResponse forbidden = TestBackend.text(HttpResponseStatus.FORBIDDEN, "no");
                    forbidden.headers().set("Set-Cookie", "_oauth2_proxy=; Max-Age=0");
                    return forbidden;
                }
                default -> {
                    FullHttpResponse challenge = TestBackend.text(HttpResponseStatus.UNAUTHORIZED, "who?");
                    challenge.headers().set("WWW-Authenticate", "Bearer realm=\"test\"");
                    if (credentials.equals("null")) {
                        challenge.headers().set("Set-Cookie", "_oauth2_proxy_csrf=token; Path=/");
                    }
                    return challenge;
                }
            }
            return ok;
        });
        String authUrl = "http://" + auth.ip() + ":" + auth.port() + "/oauth2/auth";
        Map<String, String> cached = Map.of(P + "auth-url", authUrl, P + "auth-response-headers",
                "X-Auth-Request-User", P + "auth-cache-key", "$http_authorization");
        String twoPaths = Manifests.ingress("cached", "cached.test", "/a", "svc", cached).replace("""
                          - path: /a
                """, """
                          - path: /b
                            pathType: Prefix
                            backend:
                              service:
                                name: svc
                                port:
                                  name: http
                          - path: /a
                """);
        Files.writeString(routes.resolve("greeter.yaml"), """
                - route:
                    id: greeter
                    from:
                      uri: direct:greeter
                      steps:
                        - removeHeaders:
                            pattern: "*"
                        - setBody:
                            constant: hello
                """);
        String camelRoute = Manifests.ingress("camel", "camel.test", "/", "svc", Map.of(P + "auth-url", authUrl))
                .replace("""
                              service:
                                name: svc
                                port:
                                  name: http
                """, """
                              resource:
                                apiGroup: caravan.dev
                                kind: CamelRoute
                                name: greeter
                """);
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                twoPaths, camelRoute,
                Manifests.ingress("brief", "brief.test", "/", "svc", Map.of(P + "auth-url", authUrl,
                        P + "auth-cache-key", "$http_authorization", P + "auth-cache-duration", "200 2s")),
                Manifests.ingress("cookies", "cookies.test", "/", "svc", Map.of(P + "auth-url", authUrl)),
                Manifests.ingress("always", "always.test", "/", "svc", Map.of(P + "auth-url", authUrl,
                        P + "auth-always-set-cookie", "true")),
                Manifests.ingress("signin", "signin.test", "/", "svc", Map.of(P + "auth-url", authUrl,
                        P + "auth-signin", "https://signin.test/oauth2/start")),
                """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: auth-headers
                data:
                  X-Auth-Group: admins
                  X-Client: "client $remote_addr of $host"
                  Cookie: ""
                """,
                Manifests.ingress("set-headers", "set.test", "/", "svc", Map.of(P + "auth-url", authUrl,
                        P + "auth-proxy-set-headers", "auth-headers")),
                Manifests.ingress("set-missing", "set-missing.test", "/", "svc", Map.of(P + "auth-url", authUrl,
                        P + "auth-proxy-set-headers", "nowhere")),
                Manifests.ingress("kept-signin", "kept.test", "/", "svc", Map.of(P + "auth-url", authUrl,
                        P + "auth-signin", "https://kept.test/oauth2/start", P + "auth-cache-key", "$http_authorization"))));
        caravan = CaravanHarness.start(manifests, "--routes", routes.toString(), "--client-header-timeout", "1");
    }

    @AfterEach
    void stop() throws Exception {
        caravan.close();
        pod.close();
        auth.close();
    }

    private RawHttp.Response get(String host, String path, String credentials) throws Exception {
        try (RawHttp client = new RawHttp(caravan.httpPort())) {
            client.send("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n"
                    + (credentials == null ? "" : "Authorization: " + credentials + "\r\n")
                    + "X-Auth-Request-User: forged\r\n\r\n");
            return client.read(false);
        }
    }

    @Test
    void theAuthServicesCookiesGoWithSuccessesAndRedirectsAndUnderAlwaysWithAnyResponse() throws Exception {
        RawHttp.Response refreshed = get("cookies.test", "/", "Bearer refresh");
        assertThat(refreshed.status()).isEqualTo(200);
        assertThat(refreshed.headers("Set-Cookie"))
                .containsExactly("_oauth2_proxy=refreshed; Path=/", "_oauth2_proxy_1=more; Path=/");
        // the pod's 500 is no status nginx's add_header adds to: the pod's own cookie alone
        RawHttp.Response failed = get("cookies.test", "/fail", "Bearer refresh");
        assertThat(failed.status()).isEqualTo(500);
        assertThat(failed.headers("Set-Cookie")).containsExactly("pod=1");
        RawHttp.Response always = get("always.test", "/fail", "Bearer refresh");
        assertThat(always.headers("Set-Cookie"))
                .containsExactly("pod=1", "_oauth2_proxy=refreshed; Path=/", "_oauth2_proxy_1=more; Path=/");

        // refusals: only under auth-always-set-cookie
        assertThat(get("cookies.test", "/", null).headers("Set-Cookie")).isEmpty();
        assertThat(get("cookies.test", "/", "Bearer bad").headers("Set-Cookie")).isEmpty();
        RawHttp.Response challenged = get("always.test", "/", null);
        assertThat(challenged.status()).isEqualTo(401);
        assertThat(challenged.headers("Set-Cookie")).containsExactly("_oauth2_proxy_csrf=token; Path=/");
        RawHttp.Response forbidden = get("always.test", "/", "Bearer bad");
        assertThat(forbidden.status()).isEqualTo(403);
        assertThat(forbidden.headers("Set-Cookie")).containsExactly("_oauth2_proxy=; Max-Age=0");
        // the sign-in redirect carries them, as oauth2-proxy's CSRF cookie must reach the browser
        RawHttp.Response signin = get("signin.test", "/", null);
        assertThat(signin.status()).isEqualTo(302);
        assertThat(signin.headers("Set-Cookie")).containsExactly("_oauth2_proxy_csrf=token; Path=/");
        // a Camel route's answer is the request's response as any other
        RawHttp.Response routed = get("camel.test", "/", "Bearer refresh");
        assertThat(routed.text()).isEqualTo("hello");
        assertThat(routed.headers("Set-Cookie"))
                .containsExactly("_oauth2_proxy=refreshed; Path=/", "_oauth2_proxy_1=more; Path=/");
    }

    @Test
    void theAuthRequestCarriesTheConfigMapsHeadersAndWithoutItsConfigMapTheIngressIsDenied() throws Exception {
        try (RawHttp client = new RawHttp(caravan.httpPort())) {
            client.send("GET / HTTP/1.1\r\nHost: set.test\r\nAuthorization: Bearer good\r\nCookie: session=1\r\n"
                    + "X-Auth-Group: users\r\n\r\n");
            assertThat(client.read(false).status()).isEqualTo(200);
        }
        TestBackend.Seen asked = auth.last();
        assertThat(asked.headers().getAll("X-Auth-Group")).containsExactly("admins");
        assertThat(asked.headers().get("X-Client")).isEqualTo("client 127.0.0.1 of set.test");
        assertThat(asked.headers().contains("Cookie")).isFalse();
        // the pod gets the request as the client sent it
        assertThat(pod.last().headers().get("Cookie")).isEqualTo("session=1");
        assertThat(pod.last().headers().get("X-Auth-Group")).isEqualTo("users");

        assertThat(get("set-missing.test", "/", "Bearer good").status()).isEqualTo(503);
        assertThat(caravan.caravan().lastCompilation().problems()).anySatisfy(problem ->
                assertThat(problem.message()).contains("auth-proxy-set-headers: ConfigMap default/nowhere does not"
                        + " exist"));
    }

    @Test
    void cookiesOfOneRequestNeverGoWithTheNextOnTheConnection() throws Exception {
        try (RawHttp client = new RawHttp(caravan.httpPort())) {
            client.send("GET / HTTP/1.1\r\nHost: always.test\r\nAuthorization: Bearer refresh\r\n\r\n");
            assertThat(client.read(false).headers("Set-Cookie")).hasSize(2);
            client.send("GET / HTTP/1.1\r\nHost: always.test\r\nAuthorization: Bearer good\r\n\r\n");
            RawHttp.Response next = client.read(false);
            assertThat(next.status()).isEqualTo(200);
            assertThat(next.headers("Set-Cookie")).isEmpty();
        }
        try (RawHttp client = new RawHttp(caravan.httpPort())) {
            client.send("GET / HTTP/1.1\r\nHost: always.test\r\nAuthorization: Bearer refresh\r\n\r\n");
            assertThat(client.read(false).headers("Set-Cookie")).hasSize(2);
            // a head that never comes whole: the 408 after --client-header-timeout is no answer of the last request's
            client.send("GET / HTTP/1.1\r\nHost: always.test\r\n");
            RawHttp.Response timedOut = client.read(false);
            assertThat(timedOut.status()).isEqualTo(408);
            assertThat(timedOut.headers("Set-Cookie")).isEmpty();
        }
        try (RawHttp client = new RawHttp(caravan.httpPort())) {
            client.send("GET / HTTP/1.1\r\nHost: cookies.test\r\nAuthorization: Bearer a\r\n"
                    + "Authorization: Bearer b\r\n\r\n");
            // two Authorization lines are refused, as by nginx: which one would the cache and the service read?
            assertThat(client.read(false).status()).isEqualTo(400);
        }
        assertThat(auth.seen()).hasSize(3);
    }

    @Test
    void anAnswerIsKeptForTheSameKeyOnTheSameRuleOnly() throws Exception {
        assertThat(get("cached.test", "/a", "Bearer good").status()).isEqualTo(200);
        assertThat(get("cached.test", "/a/deeper", "Bearer good").status()).isEqualTo(200);
        assertThat(auth.seen()).hasSize(1);
        // the kept answer's headers replace the client's, as the answer itself did
        assertThat(pod.seen()).hasSize(2).allSatisfy(seen ->
                assertThat(seen.headers().getAll("X-Auth-Request-User")).containsExactly("alice"));

        // another path of the same Ingress is another nginx location: asked again
        assertThat(get("cached.test", "/b", "Bearer good").status()).isEqualTo(200);
        assertThat(auth.seen()).hasSize(2);
        // another key: asked; its 401 is kept too (ingress-nginx's default 200 202 401 5m), challenge and all
        RawHttp.Response refused = get("cached.test", "/a", "Bearer other");
        RawHttp.Response refusedAgain = get("cached.test", "/a", "Bearer other");
        assertThat(auth.seen()).hasSize(3);
        assertThat(refusedAgain.status()).isEqualTo(refused.status()).isEqualTo(401);
        assertThat(refusedAgain.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"test\"");
        assertThat(pod.seen()).hasSize(3);

        // a kept 401 still sends each request to sign in with its own URL
        RawHttp.Response first = get("kept.test", "/one", "Bearer stale");
        RawHttp.Response second = get("kept.test", "/two?x=1", "Bearer stale");
        assertThat(auth.seen()).hasSize(4);
        assertThat(first.header("Location")).isEqualTo("https://kept.test/oauth2/start?rd=http%3A%2F%2Fkept.test%2Fone");
        assertThat(second.header("Location"))
                .isEqualTo("https://kept.test/oauth2/start?rd=http%3A%2F%2Fkept.test%2Ftwo%3Fx%3D1");
    }

    @Test
    void anAnswerWithCookiesVaryOrNoStoreIsNotKept() throws Exception {
        for (String credentials : new String[] {"Bearer refresh", "Bearer nostore", "Bearer vary"}) {
            int asked = auth.seen().size();
            RawHttp.Response first = get("cached.test", "/a", credentials);
            RawHttp.Response second = get("cached.test", "/a", credentials);
            assertThat(first.status()).isEqualTo(200);
            assertThat(second.status()).isEqualTo(200);
            assertThat(auth.seen()).as(credentials).hasSize(asked + 2);
        }
    }

    @Test
    void anAnswerIsKeptForItsStatussDurationOnly() throws Exception {
        assertThat(get("brief.test", "/", "Bearer good").status()).isEqualTo(200);
        assertThat(get("brief.test", "/", "Bearer good").status()).isEqualTo(200);
        assertThat(auth.seen()).hasSize(1);
        // 401 is not among "200 2s": never kept
        get("brief.test", "/", "Bearer other");
        get("brief.test", "/", "Bearer other");
        assertThat(auth.seen()).hasSize(3);
        Thread.sleep(2_500);
        assertThat(get("brief.test", "/", "Bearer good").status()).isEqualTo(200);
        assertThat(auth.seen()).hasSize(4);
    }
}

package dev.caravan;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** caravan.dev/request-route: a user route sees each request's head before it is proxied, and may answer it. */
class RequestInterceptorTest {

    private static final String ROUTE = "caravan.dev/request-route";

    @TempDir
    Path manifests;
    @TempDir
    Path routes;
    TestBackend pod;
    CaravanHarness caravan;

    @BeforeEach
    void start() throws Exception {
        Files.writeString(routes.resolve("interceptors.yaml"), """
                - route:
                    id: enrich
                    from:
                      uri: direct:enrich
                      steps:
                        - setHeader:
                            name: X-User
                            simple: "user-of-${header.X-Token}"
                        - setHeader:
                            name: X-Seen-Path
                            simple: "${header.CamelHttpPath}"
                        - setHeader:
                            name: X-Seen-Ingress
                            simple: "${header.CaravanIngress}"
                        - setHeader:
                            name: X-Seen-File
                            simple: "${header.CamelFileName}"
                        - removeHeader:
                            name: X-Token
                        - setHeader:
                            name: Content-Length
                            constant: "5"
                - route:
                    id: key-check
                    from:
                      uri: direct:key-check
                      steps:
                        - choice:
                            when:
                              - simple: "${header.X-Api-Key} != 'open-sesame'"
                                steps:
                                  - setHeader:
                                      name: CamelHttpResponseCode
                                      constant: 401
                                  - setHeader:
                                      name: WWW-Authenticate
                                      constant: ApiKey
                                  - setHeader:
                                      name: Content-Type
                                      constant: text/plain
                                  - setBody:
                                      constant: "no valid key"
                - route:
                    id: broken
                    from:
                      uri: direct:broken
                      steps:
                        - throwException:
                            exceptionType: java.lang.IllegalStateException
                            message: auth service down
                - route:
                    id: bad-header
                    from:
                      uri: direct:bad-header
                      steps:
                        - setHeader:
                            name: X-Bad
                            constant: "a\\r\\nX-Injected: yes"
                - route:
                    id: slow
                    from:
                      uri: direct:slow
                      steps:
                        - delay:
                            constant: 3000
                - route:
                    id: not-direct
                    from:
                      uri: seda:not-direct
                      steps:
                        - log: never
                """);
        pod = TestBackend.start("127.0.0.2", "pod");
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                Manifests.ingress("enriched", "enriched.test", "/", "svc", Map.of(ROUTE, "enrich")),
                Manifests.ingress("keyed", "keyed.test", "/", "svc", Map.of(ROUTE, "key-check")),
                Manifests.ingress("failing", "failing.test", "/", "svc", Map.of(ROUTE, "broken")),
                Manifests.ingress("missing", "missing.test", "/", "svc", Map.of(ROUTE, "no-such-route")),
                Manifests.ingress("wrong-kind", "wrong-kind.test", "/", "svc", Map.of(ROUTE, "not-direct")),
                Manifests.ingress("slow", "slow.test", "/", "svc",
                        Map.of(ROUTE, "slow", "nginx.ingress.kubernetes.io/proxy-read-timeout", "1")),
                Manifests.ingress("bad-header", "bad-header.test", "/", "svc", Map.of(ROUTE, "bad-header")),
                Manifests.ingress("plain", "plain.test", "/", "svc")));
        caravan = CaravanHarness.start(manifests, "--routes", routes.toString());
    }

    @AfterEach
    void stop() throws Exception {
        caravan.close();
        pod.close();
    }

    @Test
    void anEnrichingInterceptorChangesTheHeadersThePodGetsButNeverTheFraming() throws Exception {
        try (RawHttp client = new RawHttp(caravan.httpPort())) {
            client.send("POST /orders?id=7 HTTP/1.1\r\nHost: enriched.test\r\nX-Token: t1\r\nContent-Length: 11\r\n\r\n"
                    + "hello world");
            RawHttp.Response response = client.read(false);
            assertThat(response.status()).isEqualTo(200);
            TestBackend.Seen seen = pod.last();
            assertThat(seen.headers().get("X-User")).isEqualTo("user-of-t1");
            assertThat(seen.headers().get("X-Seen-Path")).isEqualTo("/orders");
            assertThat(seen.headers().get("X-Seen-Ingress")).isEqualTo("default/enriched");
            assertThat(seen.headers().contains("X-Token")).isFalse();
            // the body passed on whole, framed as the client sent it
            assertThat(seen.bodyLength()).isEqualTo(11);
            assertThat(seen.uri()).isEqualTo("/orders?id=7");
            assertThat(seen.headers().get("X-Forwarded-For")).isEqualTo("127.0.0.1");

            // the client's Camel headers never reach the route, nor steer it
            client.send("GET /f HTTP/1.1\r\nHost: enriched.test\r\nX-Token: t3\r\nCamelFileName: ../../etc/x\r\n"
                    + "camelhttpresponsecode: 299\r\n\r\n");
            assertThat(client.read(false).status()).isEqualTo(200);
            assertThat(pod.last().headers().get("X-Seen-File")).isNull();
            assertThat(pod.last().headers().contains("CamelFileName")).isTrue();

            // the connection goes on serving: a second request runs the interceptor again
            client.send("GET / HTTP/1.1\r\nHost: enriched.test\r\nX-Token: t2\r\n\r\n");
            assertThat(client.read(false).status()).isEqualTo(200);
            assertThat(pod.last().headers().get("X-User")).isEqualTo("user-of-t2");

            // a header the interceptor set is not the client's to drop by naming it hop-by-hop
            client.send("GET / HTTP/1.1\r\nHost: enriched.test\r\nX-Token: t4\r\nX-Hop: h\r\n"
                    + "Connection: keep-alive, X-User, X-Hop\r\n\r\n");
            assertThat(client.read(false).status()).isEqualTo(200);
            assertThat(pod.last().headers().get("X-User")).isEqualTo("user-of-t4");
            assertThat(pod.last().headers().contains("X-Hop")).isFalse();
        }
    }

    @Test
    void aCheckingInterceptorAnswersTheRequestItselfAndThePodNeverSeesIt() throws Exception {
        int before = pod.seen().size();
        try (RawHttp client = new RawHttp(caravan.httpPort())) {
            client.send("POST /admin HTTP/1.1\r\nHost: keyed.test\r\nContent-Length: 4\r\n\r\nbody");
            RawHttp.Response refused = client.read(false);
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.header("WWW-Authenticate")).isEqualTo("ApiKey");
            assertThat(refused.header("Content-Type")).isEqualTo("text/plain");
            assertThat(new String(refused.body(), StandardCharsets.UTF_8)).isEqualTo("no valid key");
            // the request's own headers are not echoed back
            assertThat(refused.header("Host")).isNull();
            assertThat(pod.seen()).hasSize(before);

            // the small body was dropped, and the same connection serves a request with the key
            client.send("GET /admin HTTP/1.1\r\nHost: keyed.test\r\nX-Api-Key: open-sesame\r\n\r\n");
            assertThat(client.read(false).status()).isEqualTo(200);
            assertThat(pod.seen()).hasSize(before + 1);
        }
    }

    @Test
    void aFailingSlowMissingOrWrongKindOfRouteStopsTheRequestAndLeavesOtherIngressesAlone() throws Exception {
        assertThat(caravan.get("failing.test", "/").status()).isEqualTo(500);
        assertThat(caravan.get("missing.test", "/").status()).isEqualTo(503);
        assertThat(caravan.get("wrong-kind.test", "/").status()).isEqualTo(503);
        // an interceptor that cannot decide within proxy-read-timeout: 504, whatever it does later
        assertThat(caravan.get("slow.test", "/").status()).isEqualTo(504);
        // a route leaving a header no HTTP can carry: 500 at once, not a request left waiting
        assertThat(caravan.get("bad-header.test", "/").status()).isEqualTo(500);
        assertThat(pod.seen()).isEmpty();
        assertThat(caravan.get("plain.test", "/").status()).isEqualTo(200);
    }

    @Test
    void anIngressNamingARouteNotLoadedIsWarnedOfUntilTheRouteComes() throws Exception {
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(warnings())
                .containsExactlyInAnyOrder("missing: request-route no-such-route", "wrong-kind: request-route not-direct"));
        Files.writeString(routes.resolve("late.yaml"), """
                - route:
                    id: no-such-route
                    from:
                      uri: direct:no-such-route
                      steps:
                        - setHeader:
                            name: X-Late
                            constant: "yes"
                """);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(warnings())
                .containsExactly("wrong-kind: request-route not-direct"));
        assertThat(caravan.get("missing.test", "/").status()).isEqualTo(200);
        assertThat(pod.last().headers().get("X-Late")).isEqualTo("yes");
    }

    @Test
    void aRouteSuspendedByAnOperatorIsWarnedOfUntilResumed() throws Exception {
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(warnings())
                .containsExactlyInAnyOrder("missing: request-route no-such-route", "wrong-kind: request-route not-direct"));
        // as JMX's suspend does it
        caravan.caravan().camelContext().getRouteController().suspendRoute("enrich");
        assertThat(caravan.get("enriched.test", "/").status()).isEqualTo(503);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(warnings())
                .contains("enriched: request-route enrich"));
        caravan.caravan().camelContext().getRouteController().resumeRoute("enrich");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(warnings())
                .doesNotContain("enriched: request-route enrich"));
        assertThat(caravan.get("enriched.test", "/").status()).isEqualTo(200);
    }

    private List<String> warnings() {
        return caravan.caravan().lastCompilation().problems().stream()
                .filter(problem -> problem.reason().equals("RouteNotFound"))
                .map(problem -> problem.ingress().name() + ": " + problem.message().replaceAll(
                        "no started route consuming a direct: endpoint for (.*) in the routes folder.*", "$1"))
                .toList();
    }

    @Test
    void anInvalidRouteNameKeepsTheIngressOutOfService() throws Exception {
        write(manifests, "bad.yaml", String.join("---\n",
                Manifests.ingress("bad", "bad.test", "/", "svc", Map.of(ROUTE, "not a route!")),
                // as a template renders a value it had none for
                Manifests.ingress("empty", "empty.test", "/", "svc", Map.of(ROUTE, " ")),
                Manifests.ingress("beside", "beside.test", "/", "svc")));
        // the file is read: served, if it were served at all, without its check: never; as it asks for a check, its
        // paths answer 503 rather than go to what else would serve them
        caravan.awaitResponse("beside.test", "/", response -> response.status() == 200);
        assertThat(caravan.get("bad.test", "/").status()).isEqualTo(503);
        assertThat(caravan.get("empty.test", "/").status()).isEqualTo(503);
    }
}

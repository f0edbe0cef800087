package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.LogCapture;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An Ingress path served by a user's Camel route: the route gets the request, its message is the response. */
class CamelRouteBackendTest {

    @TempDir
    Path manifests;
    @TempDir
    Path routes;

    @Test
    void aCamelRouteBackendAnswersAndAnUnknownOneGets503() throws Exception {
        Files.writeString(routes.resolve("greeter.yaml"), """
                - route:
                    id: greeter
                    from:
                      uri: direct:greeter
                      steps:
                        - setHeader:
                            name: X-Served-By
                            constant: greeter
                        - setBody:
                            simple: "hello ${header.Host}, you asked for ${header.CamelHttpUri} (${header.CamelHttpQuery}) with ${body}"
                """);
        Files.writeString(routes.resolve("boom.yaml"), """
                - route:
                    id: boom
                    from:
                      uri: direct:boom
                      steps:
                        - throwException:
                            exceptionType: java.lang.IllegalStateException
                            message: "broken"
                """);
        try (TestBackend pod = TestBackend.start("127.0.0.2", "pod")) {
            write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                    Manifests.ingress("app", "app.example.test", "/", "svc"),
                    Manifests.camelRouteIngress("boom", "app.example.test", "/boom", "boom"),
                    Manifests.camelRouteIngress("greet", "app.example.test", "/greet", "greeter"),
                    Manifests.camelRouteIngress("missing", "app.example.test", "/missing", "nope"),
                    Manifests.camelRouteIngress("bucket", "app.example.test", "/bucket", "b").replace("caravan.dev", "storage.example.com")));
            try (CaravanHarness caravan = CaravanHarness.start(manifests, "--routes", routes.toString())) {
                try (RawHttp http = new RawHttp(caravan.httpPort())) {
                    http.send("POST /greet/x?y=1 HTTP/1.1\r\nHost: app.example.test\r\nContent-Length: 4\r\n"
                            + "X-Caravan-Camel-Route: app\r\n\r\nbody");
                    RawHttp.Response response = http.read(false);
                    assertThat(response.status()).isEqualTo(200);
                    assertThat(response.header("X-Served-By")).isEqualTo("greeter");
                    assertThat(response.text()).isEqualTo("hello app.example.test, you asked for /greet/x (y=1) with body");
                    // the connection goes on serving, pods included
                    http.send("GET / HTTP/1.1\r\nHost: app.example.test\r\n\r\n");
                    assertThat(http.read(false).text()).isEqualTo("pod");
                    // in absolute form the target's host is the request's, for a route as for a pod (RFC 9112 §3.2.2)
                    http.send("GET http://app.example.test/greet/x?y=2 HTTP/1.1\r\nHost: other.example.test\r\n\r\n");
                    assertThat(http.read(false).text()).isEqualTo("hello app.example.test, you asked for /greet/x (y=2)"
                            + " with ");
                }
                try (RawHttp http = new RawHttp(caravan.httpPort())) {
                    // HTTP/1.0 needs no Host: the target's host serves a route too
                    http.send("GET http://app.example.test/greet/x?y=3 HTTP/1.0\r\n\r\n");
                    assertThat(http.read(false).text()).isEqualTo("hello app.example.test, you asked for /greet/x (y=3)"
                            + " with ");
                }
                assertThat(caravan.get("app.example.test", "/missing").status()).isEqualTo(503);
                // what java.net.URI refuses in a target reaches a route, and no rule's 404: each answered
                try (RawHttp http = new RawHttp(caravan.httpPort())) {
                    http.send("GET /greet/\"q\"/a{b}?f={\"a\":1} HTTP/1.1\r\nHost: app.example.test\r\n\r\n");
                    RawHttp.Response odd = http.read(false);
                    assertThat(odd.status()).isEqualTo(200);
                    // Camel decodes it again: the route sees what the client sent
                    assertThat(odd.text()).isEqualTo("hello app.example.test, you asked for /greet/\"q\"/a{b}"
                            + " (f={\"a\":1}) with ");
                    http.send("GET /nothing/a{b} HTTP/1.1\r\nHost: nobody.example.test\r\n\r\n");
                    assertThat(http.read(false).status()).isEqualTo(404);
                    http.send("GET /greet/?q=%zz HTTP/1.1\r\nHost: app.example.test\r\n\r\n");
                    assertThat(http.read(false).status()).isEqualTo(200);
                }
                // a route that throws answers a plain 500: the request's headers do not come back as the response's
                try (RawHttp http = new RawHttp(caravan.httpPort())) {
                    http.send("GET /boom HTTP/1.1\r\nHost: app.example.test\r\nSet-Cookie: session=attacker\r\n"
                            + "Access-Control-Allow-Origin: *\r\n\r\n");
                    RawHttp.Response failed = http.read(false);
                    assertThat(failed.status()).isEqualTo(500);
                    assertThat(failed.headers("Set-Cookie")).isEmpty();
                    assertThat(failed.header("Access-Control-Allow-Origin")).isNull();
                    assertThat(failed.text()).isEqualTo("500 Internal Server Error\n");
                }
                // and the Ingress naming a route that is not loaded is warned of
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                        assertThat(caravan.caravan().lastCompilation().problems()).anySatisfy(problem -> {
                            assertThat(problem.ingress().name()).isEqualTo("missing");
                            assertThat(problem.reason()).isEqualTo("RouteNotFound");
                            assertThat(problem.message()).contains("backend nope");
                        }));
                assertThat(caravan.caravan().lastCompilation().problems())
                        .noneMatch(problem -> problem.ingress().name().equals("greet"));
                // any other resource backend is skipped, as ingress-nginx skips it: that path is not served, and the
                // Ingress is not invalid for it
                assertThat(caravan.caravan().lastCompilation().problems()).anySatisfy(problem -> {
                    assertThat(problem.ingress().name()).isEqualTo("bucket");
                    assertThat(problem.message()).contains("path /bucket on host app.example.test: resource"
                            + " CamelRoute.storage.example.com b is not served");
                });
                assertThat(caravan.caravan().lastCompilation().problems())
                        .noneMatch(problem -> problem.ingress().name().equals("bucket")
                                && problem.reason().equals("InvalidIngress"));
                // a client cannot pick a route: not with a header, not with a query parameter (camel-netty-http
                // makes those message headers), whatever it names
                try (RawHttp http = new RawHttp(caravan.httpPort())) {
                    http.send("GET /nothing HTTP/1.1\r\nHost: nobody.example.test\r\nX-Caravan-Camel-Route: greeter\r\n\r\n");
                    assertThat(http.read(false).status()).isEqualTo(404);
                    http.send("GET /nothing?X-Caravan-Camel-Route=greeter&caravan.camel-route=greeter HTTP/1.1\r\n"
                            + "Host: nobody.example.test\r\nCamelNettyChannelHandlerContext: x\r\n\r\n");
                    assertThat(http.read(false).status()).isEqualTo(404);
                    http.send("GET /greet/x?X-Caravan-Camel-Route=nope HTTP/1.1\r\nHost: app.example.test\r\n\r\n");
                    RawHttp.Response greeted = http.read(false);
                    assertThat(greeted.status()).isEqualTo(200);
                    assertThat(greeted.header("X-Served-By")).isEqualTo("greeter");
                }
                // query parameters are message headers too; a route that keeps the request's headers does not
                // let a link set response headers with them
                try (RawHttp http = new RawHttp(caravan.httpPort())) {
                    http.send("GET /greet/x?Set-Cookie=session%3Devil&Location=http://evil.example/&y=1&X-Served-By=me"
                            + " HTTP/1.1\r\nHost: app.example.test\r\n\r\n");
                    RawHttp.Response greeted = http.read(false);
                    assertThat(greeted.status()).isEqualTo(200);
                    assertThat(greeted.headers("Set-Cookie")).isEmpty();
                    assertThat(greeted.header("Location")).isNull();
                    assertThat(greeted.header("y")).isNull();
                    // a header the route set is its own, whatever the query said
                    assertThat(greeted.headers("X-Served-By")).containsExactly("greeter");
                    assertThat(greeted.text()).contains("(Set-Cookie=session=evil&Location=http://evil.example/&y=1");
                }
            }
        }
    }
    @Test
    void aStatusNoResponseCanHaveIs500AndASilentRouteGets504AtItsReadTimeoutNotTheKeepAliveOne() throws Exception {
        Files.writeString(routes.resolve("edge.yaml"), """
                - route:
                    id: coded
                    from:
                      uri: direct:coded
                      steps:
                        - setHeader:
                            name: CamelHttpResponseCode
                            simple: "${header.X-Code}"
                        - setBody:
                            constant: "coded"
                - route:
                    id: slow
                    from:
                      uri: direct:slow
                      steps:
                        - delay:
                            constant: 3000
                        - setBody:
                            constant: "late"
                """);
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(),
                Manifests.camelRouteIngress("coded", "edge.test", "/code", "coded"),
                Manifests.camelRouteIngress("slow", "edge.test", "/slow", "slow",
                        Map.of("nginx.ingress.kubernetes.io/proxy-read-timeout", "2")),
                Manifests.camelRouteIngress("upload", "edge.test", "/upload", "coded",
                        Map.of("nginx.ingress.kubernetes.io/proxy-read-timeout", "1"))));
        try (CaravanHarness caravan = CaravanHarness.start(manifests, "--routes", routes.toString(),
                "--keep-alive-timeout", "1");
                LogCapture warnings = new LogCapture(GatewayHandler.class)) {
            for (String code : List.of("abc", "-1", "100", "101", "600")) {
                try (RawHttp http = new RawHttp(caravan.httpPort())) {
                    http.send("GET /code HTTP/1.1\r\nHost: edge.test\r\nX-Code: " + code + "\r\n\r\n");
                    RawHttp.Response response = http.read(false);
                    assertThat(response.status()).as(code).isEqualTo(500);
                    assertThat(response.text()).isEqualTo("500 Internal Server Error\n");
                }
            }
            assertThat(warnings.lines()).anySatisfy(line -> assertThat(line)
                    .contains("500 for CamelRoute backend coded: it answered with status 'abc', not 200-599"));
            try (RawHttp http = new RawHttp(caravan.httpPort())) {
                http.send("GET /code HTTP/1.1\r\nHost: edge.test\r\nX-Code: 201\r\n\r\n");
                assertThat(http.read(false).status()).isEqualTo(201);
            }
            // silent past the keep-alive timeout, and answered at the Ingress's read timeout, as a pod is
            try (RawHttp http = new RawHttp(caravan.httpPort())) {
                http.send("GET /slow HTTP/1.1\r\nHost: edge.test\r\n\r\n");
                RawHttp.Response response = http.read(false);
                assertThat(response.status()).isEqualTo(504);
                // the route's late answer is not sent after it
                assertThat(http.closedByPeer()).isTrue();
            }
            assertThat(warnings.lines()).anySatisfy(line -> assertThat(line)
                    .contains("504 for CamelRoute backend slow: no answer within 2 s (proxy-read-timeout)"));
            // the read timeout runs from the request's end, as a pod's; a pause in the body longer than it, and
            // than the keep-alive timeout, is the client body timeout's to judge
            try (RawHttp http = new RawHttp(caravan.httpPort())) {
                http.send("POST /upload HTTP/1.1\r\nHost: edge.test\r\nX-Code: 201\r\nContent-Length: 8\r\n\r\n"
                        + "half");
                Thread.sleep(1500);
                http.send("done");
                assertThat(http.read(false).status()).isEqualTo(201);
            }
        }
    }
}

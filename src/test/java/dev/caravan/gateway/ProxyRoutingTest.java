package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real requests through a real Caravan to real backends: which request reaches which pod, and how. */
class ProxyRoutingTest {

    @TempDir
    static Path manifests;
    static TestBackend a;
    static TestBackend b;
    static TestBackend fallback;
    static CaravanHarness caravan;

    @BeforeAll
    static void start() throws Exception {
        a = TestBackend.start("127.0.0.2", "a");
        b = TestBackend.start("127.0.0.3", "b");
        fallback = TestBackend.start("127.0.0.4", "fallback");
        write(manifests, "class.yaml", Manifests.ingressClass() + """
                ---
                apiVersion: networking.k8s.io/v1
                kind: IngressClass
                metadata:
                  name: nginx
                spec:
                  controller: k8s.io/ingress-nginx
                """);
        write(manifests, "services.yaml", Manifests.service("svc-a", a) + "---\n" + Manifests.service("svc-b", b)
                + "---\n" + Manifests.service("svc-fallback", fallback));
        write(manifests, "shop.yaml", """
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: shop
                spec:
                  ingressClassName: caravan
                  rules:
                    - host: shop.example.com
                      http:
                        paths:
                          - {path: /api, pathType: Prefix, backend: {service: {name: svc-a, port: {name: http}}}}
                          - {path: /, pathType: Prefix, backend: {service: {name: svc-b, port: {number: 80}}}}
                          - {path: /api/exact, pathType: Exact, backend: {service: {name: svc-b, port: {name: http}}}}
                    - host: "*.apps.example.com"
                      http:
                        paths:
                          - {path: /, pathType: Prefix, backend: {service: {name: svc-a, port: {name: http}}}}
                """);
        write(manifests, "docs.yaml", """
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: docs
                  annotations:
                    kubernetes.io/ingress.class: caravan
                spec:
                  defaultBackend: {service: {name: svc-fallback, port: {name: http}}}
                  rules:
                    - host: docs.example.com
                      http:
                        paths:
                          - {path: /guide, pathType: Exact, backend: {service: {name: svc-a, port: {name: http}}}}
                """);
        write(manifests, "others.yaml", """
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: of-nginx
                spec:
                  ingressClassName: nginx
                  rules:
                    - host: other.example.com
                      http:
                        paths:
                          - {path: /, pathType: Prefix, backend: {service: {name: svc-a, port: {name: http}}}}
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: legacy-nginx
                  annotations:
                    kubernetes.io/ingress.class: nginx
                spec:
                  rules:
                    - host: legacy.example.com
                      http:
                        paths:
                          - {path: /, pathType: Prefix, backend: {service: {name: svc-a, port: {name: http}}}}
                """);
        caravan = CaravanHarness.start(manifests);
    }

    @AfterAll
    static void stop() throws Exception {
        caravan.close();
        a.close();
        b.close();
        fallback.close();
    }

    @Test
    void routesByHostAndLongestPath() throws Exception {
        assertThat(caravan.get("shop.example.com", "/api/items").text()).isEqualTo("a");
        assertThat(caravan.get("shop.example.com", "/api").text()).isEqualTo("a");
        assertThat(caravan.get("shop.example.com", "/apifoo").text()).isEqualTo("b");
        assertThat(caravan.get("shop.example.com", "/").text()).isEqualTo("b");
        assertThat(caravan.get("shop.example.com", "/api/exact").text()).isEqualTo("b");
        assertThat(caravan.get("shop.example.com", "/api/exact/more").text()).isEqualTo("a");
    }

    @Test
    void pathsAreMatchedNormalizedAndForwardedAsSent() throws Exception {
        assertThat(caravan.get("shop.example.com", "/api/../admin").text()).isEqualTo("b");
        assertThat(b.last().uri()).isEqualTo("/api/../admin");
        assertThat(caravan.get("shop.example.com", "/%61pi//items").text()).isEqualTo("a");
        assertThat(caravan.get("shop.example.com", "/../etc/passwd").status()).isEqualTo(400);
    }

    @Test
    void hostMatchIgnoresCaseAndPort() throws Exception {
        assertThat(caravan.get("SHOP.Example.com:" + caravan.httpPort(), "/api").text()).isEqualTo("a");
    }

    @Test
    void wildcardHostCoversExactlyOneLabel() throws Exception {
        assertThat(caravan.get("x.apps.example.com", "/").text()).isEqualTo("a");
        assertThat(caravan.get("a.b.apps.example.com", "/").status()).isEqualTo(404);
        assertThat(caravan.get("apps.example.com", "/").status()).isEqualTo(404);
    }

    @Test
    void ingressDefaultBackendServesItsHostsUnmatchedPaths() throws Exception {
        assertThat(caravan.get("docs.example.com", "/guide").text()).isEqualTo("a");
        assertThat(caravan.get("docs.example.com", "/guide/2").text()).isEqualTo("fallback");
    }

    @Test
    void unmatchedHostGetsThe404OfTheDefaultBackendWithoutEchoingTheRequest() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("GET /secret HTTP/1.1\r\nHost: nowhere.example.com\r\nX-Secret: hunter2\r\n"
                    + "Cookie: session=s3cr3t\r\n\r\n");
            RawHttp.Response response = http.read(false);
            assertThat(response.status()).isEqualTo(404);
            assertThat(response.text()).isEqualTo("404 Not Found\n");
            assertThat(response.headers().toString()).doesNotContain("hunter2", "s3cr3t", "X-Secret");
            // the connection stays usable
            http.send("GET /api HTTP/1.1\r\nHost: shop.example.com\r\n\r\n");
            assertThat(http.read(false).text()).isEqualTo("a");
        }
    }

    @Test
    void ingressesOfOtherClassesAreIgnored() throws Exception {
        assertThat(caravan.get("other.example.com", "/").status()).isEqualTo(404);
        assertThat(caravan.get("legacy.example.com", "/").status()).isEqualTo(404);
    }

    @Test
    void backendSeesOriginalHostRequestAndForwardedHeaders() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("GET /api/items?q=1&x=%20y HTTP/1.1\r\nHost: shop.example.com\r\n"
                    + "X-Forwarded-For: 6.6.6.6\r\nX-Real-IP: 6.6.6.6\r\nConnection: keep-alive, X-Hop\r\n"
                    + "X-Hop: secret\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\n"
                    + "TE: trailers\r\nX-Custom: kept\r\nProxy: http://evil.example:1\r\n"
                    + "X-Forwarded-Host: lb.example.com\r\nX-Forwarded-Host: edge.example.com\r\n\r\n");
            assertThat(http.read(false).status()).isEqualTo(200);
        }
        TestBackend.Seen seen = a.last();
        assertThat(seen.uri()).isEqualTo("/api/items?q=1&x=%20y");
        assertThat(seen.headers().get("Host")).isEqualTo("shop.example.com");
        assertThat(seen.headers().getAll("X-Forwarded-For")).containsExactly("127.0.0.1");
        assertThat(seen.headers().getAll("X-Real-IP")).containsExactly("127.0.0.1");
        assertThat(seen.headers().get("X-Forwarded-Host")).isEqualTo("shop.example.com");
        assertThat(seen.headers().get("X-Forwarded-Port")).as("--http-public-port").isEqualTo("80");
        assertThat(seen.headers().get("Proxy")).as("httpoxy").isNull();
        assertThat(seen.headers().get("X-Original-Forwarded-Host")).isEqualTo("lb.example.com, edge.example.com");
        assertThat(seen.headers().get("X-Forwarded-Proto")).isEqualTo("http");
        assertThat(seen.headers().get("X-Request-ID")).matches("[0-9a-f]{32}");
        assertThat(seen.headers().get("X-Custom")).isEqualTo("kept");
        assertThat(seen.headers().names()).map(String::toLowerCase)
                .doesNotContain("x-hop", "keep-alive", "proxy-connection", "te");
    }

    @Test
    void clientRequestIdIsPassedOn() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("GET /api HTTP/1.1\r\nHost: shop.example.com\r\nX-Request-ID: trace-42\r\n\r\n");
            http.read(false);
        }
        assertThat(a.last().headers().get("X-Request-ID")).isEqualTo("trace-42");
    }

    @Test
    void responseHeadersStatusAndEverySetCookieReachTheClient() throws Exception {
        b.respond(request -> {
            var response = TestBackend.text(HttpResponseStatus.CREATED, "made");
            response.headers().add("Set-Cookie", "a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Path=/");
            response.headers().add("Set-Cookie", "b=2; HttpOnly");
            response.headers().add("X-Backend", "b");
            return response;
        });
        try {
            RawHttp.Response response = caravan.get("shop.example.com", "/cookies");
            assertThat(response.status()).isEqualTo(201);
            assertThat(response.text()).isEqualTo("made");
            assertThat(response.headers("Set-Cookie"))
                    .containsExactly("a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Path=/", "b=2; HttpOnly");
            assertThat(response.header("X-Backend")).isEqualTo("b");
        } finally {
            b.respond(request -> TestBackend.text(HttpResponseStatus.OK, "b"));
        }
    }

    @Test
    void trailersMayNotReframeRerouteOrSetCookiesEitherWay() throws Exception {
        AtomicReference<HttpHeaders> requestTrailers = new AtomicReference<>();
        b.respond(request -> {
            requestTrailers.set(request.trailingHeaders().copy());
            var response = TestBackend.text(HttpResponseStatus.OK, "made");
            response.headers().remove(HttpHeaderNames.CONTENT_LENGTH)
                    .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            response.trailingHeaders().add("Content-Type", "text/html").add("Set-Cookie", "late=1")
                    .add("Grpc-Status", "0");
            return response;
        });
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("POST /cookies HTTP/1.1\r\nHost: shop.example.com\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "2\r\nhi\r\n0\r\nHost: elsewhere.example\r\nContent-Length: 5\r\nAuthorization: Basic eDp5\r\n"
                    + "X-Forwarded-For: 203.0.113.9\r\nX_Real_IP: 203.0.113.9\r\nssl-client-verify: SUCCESS\r\n"
                    + "X-Checksum: abc\r\n\r\n");
            RawHttp.Response response = http.read(false);
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.text()).isEqualTo("made");
            assertThat(http.trailers()).containsExactly(Map.entry("Grpc-Status", "0"));
        } finally {
            b.respond(request -> TestBackend.text(HttpResponseStatus.OK, "b"));
        }
        assertThat(requestTrailers.get().names()).containsExactly("X-Checksum");
        assertThat(b.last().headers().get("Host")).isEqualTo("shop.example.com");
    }

    @Test
    void methodAndBodyAreForwarded() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("PATCH /api/x HTTP/1.1\r\nHost: shop.example.com\r\nContent-Length: 5\r\n\r\nhello");
            assertThat(http.read(false).status()).isEqualTo(200);
        }
        assertThat(a.last().method()).isEqualTo("PATCH");
        assertThat(a.last().bodyLength()).isEqualTo(5);
    }
}

package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.LogCapture;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** RFC 9112's message-parsing rules, one raw request per row: the status it gets, and whether the connection is closed. */
class MalformedRequestsTest {

    private static final String HOST = "Host: app.example.test\r\n";

    @TempDir
    static Path manifests;
    static TestBackend pod;
    static CaravanHarness caravan;

    @BeforeAll
    static void start() throws Exception {
        pod = TestBackend.start("127.0.0.2", "pod");
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                Manifests.ingress("app", "app.example.test", "/", "svc"),
                Manifests.ingress("denied", "denied.example.test", "/", "svc",
                        Map.of("nginx.ingress.kubernetes.io/whitelist-source-range", "10.0.0.0/8"))));
        caravan = CaravanHarness.start(manifests);
    }

    @AfterAll
    static void stop() throws Exception {
        caravan.close();
        pod.close();
    }

    static Stream<Arguments> requests() {
        return Stream.of(
                row("a valid request (control)", "GET / HTTP/1.1\r\n" + HOST + "\r\n", 200, false),
                row("header section over 32 KiB", "GET / HTTP/1.1\r\n" + HOST + "X-Big: " + "a".repeat(40_000)
                        + "\r\n\r\n", 431, true),
                row("request line over 8 KiB", "GET /" + "a".repeat(9_000) + " HTTP/1.1\r\n" + HOST + "\r\n", 414, true),
                row("no Host on HTTP/1.1", "GET / HTTP/1.1\r\n\r\n", 400, true),
                row("Content-Length not a number", "POST / HTTP/1.1\r\n" + HOST + "Content-Length: ten\r\n\r\n", 400,
                        true),
                row("two different Content-Lengths", "POST / HTTP/1.1\r\n" + HOST
                        + "Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400, true),
                row("negative Content-Length", "POST / HTTP/1.1\r\n" + HOST + "Content-Length: -1\r\n\r\n", 400, true),
                row("space before the colon", "GET / HTTP/1.1\r\n" + HOST + "X-Bad : 1\r\n\r\n", 400, true),
                row("control character in a value", "GET / HTTP/1.1\r\n" + HOST + "X-Bad: a\u0001b\r\n\r\n", 400, true),
                row("invalid character in a name", "GET / HTTP/1.1\r\n" + HOST + "X(Bad): 1\r\n\r\n", 400, true),
                row("chunk size not hex", "POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\nzz\r\n",
                        400, true),
                // Netty adds the size up in 32 bits: 2^64 would read as 0, and the rest as a next, smuggled request
                row("a chunk size of 2^64", "POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n"
                        + "10000000000000000\r\n\r\nGET /smuggled HTTP/1.1\r\n" + HOST + "\r\n", 400, true),
                row("a chunk size of 2^64 + 5", "POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n"
                        + "10000000000000005\r\nhello\r\n0\r\n\r\n", 400, true),
                row("a second chunk's size of 2^64", "POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n"
                        + "\r\n2\r\nab\r\n10000000000000000\r\n\r\n", 400, true),
                row("a vertical tab before a chunk size", "POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n"
                        + "\r\n\u000b10000000000000000\r\n\r\nGET /smuggled HTTP/1.1\r\n" + HOST + "\r\n", 400, true),
                row("whitespace before a chunk size", "POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n"
                        + "\r\n 5\r\nhello\r\n0\r\n\r\n", 400, true),
                row("chunk sizes with leading zeros and extensions (control)", "POST / HTTP/1.1\r\n" + HOST
                        + "Transfer-Encoding: chunked\r\n\r\n00000000005;a=b\r\nhello\r\n1\r\n!\r\n0\r\n\r\n", 200,
                        false),
                row("both Content-Length and Transfer-Encoding: framed by the latter, then closed", "POST / HTTP/1.1\r\n"
                        + HOST + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 200, true),
                row("chunked not the last coding", "POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: gzip\r\n\r\n",
                        400, true),
                row("a coding Caravan does not decode", "POST / HTTP/1.1\r\n" + HOST
                        + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501, true),
                row("HTTP version 2 on an HTTP/1 connection", "GET / HTTP/2.0\r\n" + HOST + "\r\n", 505, true),
                row("obsolete line folding, joined as RFC 9112 allows", "GET / HTTP/1.1\r\n" + HOST
                        + "X-Folded: a\r\n b\r\n\r\n", 200, false),
                row("a charset Camel cannot read, for the default backend", "GET / HTTP/1.1\r\nHost: nobody.test\r\n"
                        + "Content-Type: text/plain; charset=bogus-xx\r\n\r\n", 400, true),
                row("a query with bad percent-encoding, for the default backend", "GET /?a=%zz HTTP/1.1\r\n"
                        + "Host: nobody.test\r\n\r\n", 400, true),
                row("CONNECT", "CONNECT app.example.test:443 HTTP/1.1\r\n" + HOST + "\r\n", 405, true),
                row("TRACE, which would echo the request", "TRACE / HTTP/1.1\r\n" + HOST + "\r\n", 405, true),
                row("a space inside Host", "GET / HTTP/1.1\r\nHost: app.example .test\r\n\r\n", 400, true),
                row("a slash in Host", "GET / HTTP/1.1\r\nHost: app.example.test/x\r\n\r\n", 400, true),
                row("an empty label in Host", "GET / HTTP/1.1\r\nHost: app..example.test\r\n\r\n", 400, true),
                row("a backslash in an absolute-form target's host", "GET http://app.example.test\\x/ HTTP/1.1\r\n"
                        + HOST + "\r\n", 400, true),
                row("no Host on HTTP/1.1 beside an absolute-form target", "GET http://app.example.test/ HTTP/1.1\r\n"
                        + "\r\n", 400, true),
                row("only a port in Host", "GET / HTTP/1.1\r\nHost: :80\r\n\r\n", 400, true),
                row("only a dot in Host", "GET / HTTP/1.1\r\nHost: .\r\n\r\n", 400, true),
                row("an empty Host on HTTP/1.0", "GET / HTTP/1.0\r\nHost:\r\n\r\n", 400, true),
                row("a Host nginx would not take beside an absolute-form target", "GET http://app.example.test/ "
                        + "HTTP/1.1\r\nHost: app example\r\n\r\n", 400, true),
                row("an IPv6 literal with a port in Host (control)", "GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n",
                        404, false),
                row("upper case, a port and a trailing dot in Host (control)", "GET / HTTP/1.1\r\n"
                        + "Host: APP.example.test.:80\r\n\r\n", 200, false),
                row("two Host headers", "GET / HTTP/1.1\r\n" + HOST + "Host: other.example.test\r\n\r\n", 400, true),
                row("two Authorization headers", "GET / HTTP/1.1\r\n" + HOST + "Authorization: Basic YTpi\r\n"
                        + "Authorization: Bearer x\r\n\r\n", 400, true),
                row("Transfer-Encoding on HTTP/1.0", "POST / HTTP/1.0\r\n" + HOST + "Connection: keep-alive\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 400, true),
                row("Transfer-Encoding and Content-Length on HTTP/1.0", "POST / HTTP/1.0\r\n" + HOST
                        + "Connection: keep-alive\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "3\r\nabc\r\n0\r\n\r\n", 400, true),
                row("chunked not the last coding, over two lines", "POST / HTTP/1.1\r\n" + HOST
                        + "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n0\r\n\r\n", 400, true),
                row("NUL in the request target", "GET /a\u0000b HTTP/1.1\r\n" + HOST + "\r\n", 400, true),
                row("an escaped NUL in the path, as nginx", "GET /a%00b HTTP/1.1\r\n" + HOST + "\r\n", 400, true),
                row("DEL in the request target", "GET /a\u007fb HTTP/1.1\r\n" + HOST + "\r\n", 400, true),
                row("a fragment in the request target", "GET /a#b HTTP/1.1\r\n" + HOST + "\r\n", 400, true),
                // the client waits for a 100 that never comes: its body may never come either, and is not waited for
                row("a local answer to Expect: 100-continue", "POST / HTTP/1.1\r\nHost: denied.example.test\r\n"
                        + "Content-Length: 40\r\nExpect: 100-continue\r\n\r\n", 403, true),
                row("a local answer to a small body sent whole (control)", "POST / HTTP/1.1\r\n"
                        + "Host: denied.example.test\r\nContent-Length: 4\r\n\r\nbody", 403, false));
    }

    private static Arguments row(String name, String request, int status, boolean closed) {
        return Arguments.of(name, request, status, closed);
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("requests")
    void eachMalformedRequestGetsItsStatusAndConnectionState(String name, String request, int status, boolean closed)
            throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort(), 5_000)) {
            http.send(request);
            RawHttp.Response response = http.read(false);
            assertThat(response.status()).as(name).isEqualTo(status);
            if (closed) {
                assertThat(http.closedByPeer()).as(name + ": connection closed").isTrue();
            } else {
                http.send("GET /next HTTP/1.1\r\n" + HOST + "\r\n");
                assertThat(http.read(false).status()).as(name + ": connection still serves").isEqualTo(200);
            }
        }
    }

    /**
     * An HTTP/2 preface on the HTTP/1 port is answered 505 and the connection closed; the rest of the preface,
     * decoded with it, is no request: neither served nor logged (it was logged as a 499).
     */
    @Test
    void whatFollowsARequestAnsweredAndClosedIsNeitherServedNorLogged() throws Exception {
        try (LogCapture access = new LogCapture("caravan.access")) {
            try (RawHttp http = new RawHttp(caravan.httpPort(), 5_000)) {
                http.send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
                assertThat(http.read(false).status()).isEqualTo(505);
                assertThat(http.closedByPeer()).isTrue();
            }
            try (RawHttp http = new RawHttp(caravan.httpPort(), 5_000)) {
                http.send("GET /x HTTP/2.0\r\n" + HOST + "\r\nGET /smuggled HTTP/1.1\r\n" + HOST + "\r\n");
                assertThat(http.read(false).status()).isEqualTo(505);
                assertThat(http.closedByPeer()).isTrue();
            }
            caravan.get("app.example.test", "/marker");
            await().atMost(Duration.ofSeconds(5)).until(() -> access.lines().stream().anyMatch(l -> l.contains("/marker")));
            Thread.sleep(300);
            // the access log hands over the lines of one pass of an event loop in one event
            List<String> lines = access.lines().stream().flatMap(String::lines).toList();
            assertThat(lines).hasSize(3);
            assertThat(lines).noneMatch(line -> line.contains("\"status\":499") || line.contains("/smuggled"));
        }
        assertThat(pod.seen()).noneMatch(seen -> seen.uri().contains("/smuggled"));
    }
}

package dev.caravan.upstream;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.RawHttp2;
import dev.caravan.testing.TestCertificates;
import dev.caravan.testing.TlsClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pod that answers with more bytes than its response frames, or with no HTTP at all: what it sent beyond
 * a response never answers another request, and a broken answer is not taken for a stale connection.
 * The pod is a raw socket server answering by path.
 */
class MisbehavingPodsTest {

    private static final String HOST = "Host: app.example.test\r\n";
    private static final String SMUGGLED = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nX-Smuggled: yes\r\n\r\nEVIL";

    @TempDir
    static Path manifests;
    static ServerSocket pod;
    static final ExecutorService threads = Executors.newCachedThreadPool();
    static final List<Socket> sockets = new CopyOnWriteArrayList<>();
    static final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
    static CaravanHarness caravan;
    static final TestCertificates.Issued LOCAL = new TestCertificates().issue("localhost");
    static HttpClient http2;

    @BeforeAll
    static void start() throws Exception {
        pod = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.7"));
        threads.execute(() -> {
            while (!pod.isClosed()) {
                try {
                    Socket socket = pod.accept();
                    sockets.add(socket);
                    threads.execute(() -> serve(socket));
                } catch (IOException closed) {
                    return;
                }
            }
        });
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("pod"),
                Manifests.slice("pod-0", "pod", "127.0.0.7", pod.getLocalPort(), true),
                Manifests.ingress("app", "app.example.test", "/", "pod"), LOCAL.secret("local-tls"),
                Manifests.tlsIngress("tls", "localhost", "/", "pod", "localhost", "local-tls")));
        caravan = CaravanHarness.start(manifests);
        http2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(TlsClient.trustAll())
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() throws Exception {
        caravan.close();
        pod.close();
        for (Socket socket : sockets) {
            socket.close();
        }
        threads.shutdownNow();
    }

    /** Bodiless requests, one after another on the connection, each answered by its path. */
    private static void serve(Socket socket) {
        try (socket; BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                StandardCharsets.ISO_8859_1))) {
            OutputStream out = socket.getOutputStream();
            String line;
            while ((line = in.readLine()) != null) {
                String path = line.split(" ")[1];
                while (!(line = in.readLine()).isEmpty()) {
                    // headers: not needed
                }
                seen.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
                if (path.startsWith("/cut-short")) {
                    // a head promising 100 bytes, some or none of them, and the connection ends
                    String body = path.equals("/cut-short/after-head") ? "" : "abc";
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + body)
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    return;
                }
                String answer = switch (path) {
                    case "/overflow" -> "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi" + SMUGGLED;
                    case "/no-content" -> "HTTP/1.1 204 No Content\r\n\r\n" + SMUGGLED;
                    case "/invalid" -> "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n";
                    case "/huge-chunk" -> "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n"
                            + "\r\n" + SMUGGLED;
                    case "/continues" -> "HTTP/1.1 100 Continue\r\n\r\n".repeat(50)
                            + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
                    case "/no-content-length" -> "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n";
                    case "/bad-chunk" -> "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n";
                    case "/gzip-coded" -> "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                            + "5\r\nhello\r\n0\r\n\r\n";
                    case "/head-30k" -> "HTTP/1.1 200 OK\r\nX-Big: " + "b".repeat(30_000) + "\r\nContent-Length: 0\r\n\r\n";
                    case "/head-40k" -> "HTTP/1.1 200 OK\r\nX-Big: " + "b".repeat(40_000) + "\r\nContent-Length: 0\r\n\r\n";
                    default -> "HTTP/1.1 200 OK\r\nContent-Length: " + path.length() + "\r\n\r\n" + path;
                };
                out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
        } catch (IOException | RuntimeException gone) {
            // the connection ended
        }
    }

    @Test
    void bytesBeyondTheContentLengthNeverAnswerTheNextPipelinedRequest() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("GET /overflow HTTP/1.1\r\n" + HOST + "\r\nGET /after-overflow HTTP/1.1\r\n" + HOST + "\r\n");
            RawHttp.Response first = http.read(false);
            assertThat(first.text()).isEqualTo("hi");
            RawHttp.Response second = http.read(false);
            assertThat(second.header("X-Smuggled")).isNull();
            assertThat(second.text()).isEqualTo("/after-overflow");
        }
        assertThat(seen.get("/after-overflow")).hasValue(1);
    }

    @Test
    void aBodyOnA204NeverAnswersTheNextPipelinedRequest() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("GET /no-content HTTP/1.1\r\n" + HOST + "\r\nGET /after-204 HTTP/1.1\r\n" + HOST + "\r\n");
            assertThat(http.read(false).status()).isEqualTo(204);
            RawHttp.Response second = http.read(false);
            assertThat(second.header("X-Smuggled")).isNull();
            assertThat(second.text()).isEqualTo("/after-204");
        }
        // and the request after it reached the pod once, not once more as the answer to stray bytes
        assertThat(seen.get("/after-204")).hasValue(1);
    }

    @Test
    void aTargetsBytesAboveAsciiReachThePodAsSent() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            // UTF-8, as some clients send it raw, and a byte that is no UTF-8: both go on as they came
            http.send("GET /caf\u00c3\u00a9?q=\u00c3\u00a9 HTTP/1.1\r\n" + HOST + "\r\n"
                    + "GET /x\u00ff HTTP/1.1\r\n" + HOST + "\r\n");
            assertThat(http.read(false).status()).isEqualTo(200);
            assertThat(http.read(false).status()).isEqualTo(200);
        }
        // the raw pod reads one char per byte
        assertThat(seen).containsKeys("/caf\u00c3\u00a9?q=\u00c3\u00a9", "/x\u00ff");
    }

    @ParameterizedTest
    @CsvSource({"/cut-short/mid-body, abc", "/cut-short/after-head, ''"})
    void aPodGoneMidResponseLeavesTheClientItsHeadWhatCameAndAClosedConnection(String path, String body)
            throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("GET " + path + " HTTP/1.1\r\n" + HOST + "\r\n");
            RawHttp.Response response = http.read(false);
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("Content-Length")).isEqualTo("100");
            assertThat(response.text()).isEqualTo(body);
            assertThat(http.closedByPeer()).isTrue();
        }
    }

    @Test
    void aResponseHeadUpToTheLimitPassesAndOneBeyondIs502() throws Exception {
        // what proxy-buffer-size up to 32k asks of nginx, Caravan does whatever its value
        RawHttp.Response big = caravan.get("app.example.test", "/head-30k");
        assertThat(big.status()).isEqualTo(200);
        assertThat(big.header("X-Big")).hasSize(30_000);
        assertThat(caravan.get("app.example.test", "/head-40k").status()).isEqualTo(502);
    }

    @Test
    void aTransferCodingBesidesChunkedIs502RatherThanDroppedWithTheFraming() throws Exception {
        // the client would get gzip bytes with nothing saying so
        assertThat(caravan.get("app.example.test", "/gzip-coded").status()).isEqualTo(502);
    }

    @Test
    void anInvalidAnswerOnAReusedConnectionIs502AndTheRequestIsNotSentAgain() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            // a first request leaves a pooled connection, which the next one reuses
            http.send("GET /warm HTTP/1.1\r\n" + HOST + "\r\n");
            assertThat(http.read(false).text()).isEqualTo("/warm");
            http.send("DELETE /invalid HTTP/1.1\r\n" + HOST + "\r\n");
            assertThat(http.read(false).status()).isEqualTo(502);
        }
        assertThat(seen.get("/invalid")).hasValue(1);
    }

    @Test
    void aContentLengthOnA204IsDroppedOverHttp1AndHttp2() throws Exception {
        // RFC 9110 8.6: none in a 204; HTTP/2 clients refuse one that is not 0
        RawHttp.Response plain = caravan.get("app.example.test", "/no-content-length");
        assertThat(plain.status()).isEqualTo(204);
        assertThat(plain.header("Content-Length")).isNull();
        HttpResponse<String> overHttp2 = http2.send(HttpRequest.newBuilder(URI.create("https://localhost:"
                + caravan.httpsPort() + "/no-content-length")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(overHttp2.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(overHttp2.statusCode()).isEqualTo(204);
        assertThat(overHttp2.headers().firstValue("content-length")).isEmpty();
    }

    @Test
    void anInvalidChunkFromAPodEndsTheResponseAfterWhatCameBefore() throws Exception {
        try (Socket client = new Socket("127.0.0.1", caravan.httpPort())) {
            client.setSoTimeout(5000);
            client.getOutputStream().write(("GET /bad-chunk HTTP/1.1\r\n" + HOST + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            // the head and the chunk that came, then the connection's end: no last chunk says the body is whole
            String received = new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(received).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\n5\r\nhello\r\n");
        }
        // over HTTP/2 the stream is reset, and nothing follows the reset
        try (RawHttp2 h2 = RawHttp2.connect(caravan.httpsPort(), "localhost")) {
            h2.headers(1, true, ":method", "GET", ":scheme", "https", ":authority", "localhost", ":path", "/bad-chunk");
            RawHttp2.Frame reset = h2.await(RawHttp2.RST_STREAM, 1, 5000);
            assertThat(reset).isNotNull();
            // INTERNAL_ERROR, as nginx: CANCEL would tell a gRPC client it cancelled the call itself
            assertThat(reset.errorCode()).isEqualTo(2);
            RawHttp2.Frame after;
            while ((after = h2.read(500)) != null && after.type() != -1) {
                assertThat(after.stream()).as("a frame of stream 1 after its reset").isNotEqualTo(1);
            }
        }
    }

    @Test
    void aPodRepeating100ContinueIsRelayedOnce() throws Exception {
        try (Socket client = new Socket("127.0.0.1", caravan.httpPort())) {
            client.setSoTimeout(5000);
            client.getOutputStream().write(("POST /continues HTTP/1.1\r\n" + HOST + "Expect: 100-continue\r\n"
                    + "Content-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String received = new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(received.split("HTTP/1.1 100 Continue", -1)).hasSize(2);
            assertThat(received).contains("HTTP/1.1 200 OK").endsWith("ok");
        }
    }

    @Test
    void aPodsChunkSizeOf2To64IsNoEmptyBodyFollowedByAnotherAnswer() throws Exception {
        // read as 0 in 32 bits, the body would end there and the pod's next bytes would answer the next request
        try (Socket client = new Socket("127.0.0.1", caravan.httpPort())) {
            client.setSoTimeout(5000);
            client.getOutputStream().write(("GET /huge-chunk HTTP/1.1\r\n" + HOST + "\r\nGET /after-huge HTTP/1.1\r\n"
                    + HOST + "\r\n").getBytes(StandardCharsets.US_ASCII));
            String received = new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            // the head went, then the connection ended: no last chunk, no smuggled answer, no second response
            assertThat(received).startsWith("HTTP/1.1 200 OK\r\n").doesNotContain("EVIL").doesNotContain("0\r\n\r\n")
                    .doesNotContain("/after-huge");
        }
    }
}

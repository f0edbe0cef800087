package dev.caravan.upstream;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
                Manifests.ingress("app", "app.example.test", "/", "pod")));
        caravan = CaravanHarness.start(manifests);
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
}

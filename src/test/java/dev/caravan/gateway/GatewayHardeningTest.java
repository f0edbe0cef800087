package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile and unusual traffic at the gateway: each test asserts the safe behaviour a defect once broke. */
class GatewayHardeningTest {

    @TempDir
    static Path manifests;
    static TestBackend pod;
    static RawPod raw;
    static CaravanHarness caravan;

    @BeforeAll
    static void start() throws Exception {
        pod = TestBackend.start("127.0.0.2", "pod");
        raw = new RawPod("127.0.0.4");
        write(manifests, "all.yaml", Manifests.ingressClass() + "---\n" + Manifests.service("svc", pod) + "---\n"
                + Manifests.service("raw") + "---\n" + Manifests.slice("raw-0", "raw", "127.0.0.4", raw.port(), true)
                + "---\n"
                + Manifests.service("down") + "---\n" + Manifests.slice("down-0", "down", "127.0.0.2", pod.port(), false)
                + "---\n" + Manifests.ingress("app", "app.example.com", "/", "svc")
                + "---\n" + Manifests.ingress("raw", "raw.example.com", "/", "raw")
                + "---\n" + Manifests.ingress("down", "down.example.com", "/", "down"));
        caravan = CaravanHarness.start(manifests, "--proxy-read-timeout", "1", "--client-body-timeout", "1");
    }

    @AfterAll
    static void stop() throws Exception {
        caravan.close();
        pod.close();
        raw.close();
    }

    @AfterEach
    void reset() {
        pod.respond(request -> TestBackend.text(HttpResponseStatus.OK, "pod"));
    }

    /** "Connection: Content-Length" makes the gateway drop the framing header and send the body as a second request. */
    @Test
    void connectionHeaderCannotStripContentLength() throws Exception {
        String smuggled = "GET /smuggled HTTP/1.1\r\nHost: app.example.com\r\n\r\n";
        try (RawHttp http = new RawHttp(caravan.httpPort(), 5000)) {
            http.send("POST /outer HTTP/1.1\r\nHost: app.example.com\r\nConnection: keep-alive, Content-Length\r\n"
                    + "Content-Length: " + smuggled.length() + "\r\n\r\n" + smuggled);
            assertThat(http.read(false).status()).isEqualTo(200);
        }
        Thread.sleep(500);
        assertThat(pod.seen().stream().map(TestBackend.Seen::uri)).doesNotContain("/smuggled");
        assertThat(pod.seen().stream().filter(s -> s.uri().equals("/outer")).findFirst().orElseThrow().bodyLength())
                .isEqualTo(smuggled.length());
    }

    /** The smuggled request's late response is handed to another client whose request reuses the pooled connection. */
    @Test
    void smuggledResponseReachesAnotherClient() throws Exception {
        raw.respond(head -> {
            String uri = head.split(" ")[1];
            if (uri.equals("/smuggled")) {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nattacker-data";
            }
            return "HTTP/1.1 200 OK\r\nContent-Length: " + uri.length() + "\r\n\r\n" + uri;
        });
        String smuggled = "GET /smuggled HTTP/1.1\r\nHost: raw.example.com\r\n\r\n";
        try (RawHttp attacker = new RawHttp(caravan.httpPort(), 5000)) {
            attacker.send("POST /outer HTTP/1.1\r\nHost: raw.example.com\r\nConnection: Content-Length\r\n"
                    + "Content-Length: " + smuggled.length() + "\r\n\r\n" + smuggled);
            assertThat(attacker.read(false).text()).isEqualTo("/outer");
        }
        int victims = 2 * caravan.caravan().eventLoops();
        List<RawHttp> connections = new java.util.ArrayList<>();
        for (int i = 0; i < victims; i++) {
            connections.add(new RawHttp(caravan.httpPort(), 5000));
        }
        List<String> answers = new java.util.ArrayList<>();
        for (int i = 0; i < victims; i++) {
            connections.get(i).send("GET /victim-" + i + " HTTP/1.1\r\nHost: raw.example.com\r\n\r\n");
        }
        for (int i = 0; i < victims; i++) {
            try {
                answers.add("/victim-" + i + " -> " + connections.get(i).read(false).text());
            } catch (IOException e) {
                answers.add("/victim-" + i + " -> " + e);
            }
            connections.get(i).close();
        }
        assertThat(answers).noneMatch(a -> a.endsWith("attacker-data"));
    }

    /** Local answers wait for the client to take them: a client that does not read is not read either. */
    @Test
    void localAnswersRespectBackPressure() throws Exception {
        byte[] one = "GET / HTTP/1.1\r\nHost: down.example.com\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        int count = 400_000;
        byte[] batch = new byte[one.length * 1000];
        for (int i = 0; i < 1000; i++) {
            System.arraycopy(one, 0, batch, i * one.length, one.length);
        }
        try (Socket socket = new Socket("127.0.0.1", caravan.httpPort())) {
            var out = socket.getOutputStream();
            var in = socket.getInputStream();
            java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong();
            Thread slowReader = new Thread(() -> {
                byte[] buf = new byte[1024];
                try {
                    for (int r; (r = in.read(buf)) >= 0; ) {
                        received.addAndGet(r);
                        Thread.sleep(5);
                    }
                } catch (Exception e) {
                    // closed
                }
            });
            slowReader.setDaemon(true);
            slowReader.start();
            java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; i < count / 1000; i++) {
                        out.write(batch);
                        sent.addAndGet(batch.length);
                    }
                } catch (IOException e) {
                    // closed
                }
            });
            writer.start();
            writer.join(5000);
            boolean done = !writer.isAlive();
            assertThat(done).as("server kept reading although its responses were not taken").isFalse();
        }
    }

    /** The aggregator's own "100 Continue" is taken for the end of the Camel response. */
    @Test
    void expectContinueToUnmatchedHostGets404() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort(), 5000)) {
            http.send("POST /x HTTP/1.1\r\nHost: unknown.example.com\r\nExpect: 100-continue\r\n"
                    + "Content-Length: 5\r\n\r\n");
            assertThat(http.read(false).status()).isEqualTo(100);
            http.send("hello");
            assertThat(http.read(false).status()).isEqualTo(404);
        }
    }

    /** A decoder failure inside a chunked body is forwarded to the pod as the end of the body. */
    @Test
    void malformedChunkIsNotForwardedAsEndOfBody() throws Exception {
        int before = pod.seen().size();
        try (RawHttp http = new RawHttp(caravan.httpPort(), 5000)) {
            http.send("POST /chunks HTTP/1.1\r\nHost: app.example.com\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\nZZ\r\nworld\r\n0\r\n\r\n");
            RawHttp.Response response = http.read(false);
            Thread.sleep(300);
            assertThat(pod.seen().subList(before, pod.seen().size())).as("pod saw a truncated body").isEmpty();
            assertThat(response.status()).isEqualTo(400);
        }
    }

    /** After such a request the connection is kept open, but the decoder discards everything from then on. */
    @Test
    void connectionAfterMalformedChunkIsNotAZombie() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort(), 4000)) {
            http.send("POST /chunks HTTP/1.1\r\nHost: app.example.com\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\nZZ\r\n");
            RawHttp.Response first = http.read(false);
            if (first.header("Connection") == null) {
                http.send("GET /next HTTP/1.1\r\nHost: app.example.com\r\n\r\n");
                assertThat(http.read(false).status()).as("answer to the next request").isEqualTo(200);
            }
        }
    }

    /** A request body that stops arriving is never timed out: no response, no close. */
    @Test
    void stalledRequestBodyIsTimedOut() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort(), 4000)) {
            http.send("POST /stall HTTP/1.1\r\nHost: app.example.com\r\nContent-Length: 10\r\n\r\nhello");
            long started = System.nanoTime();
            String outcome;
            try {
                outcome = "response " + http.read(false).status();
            } catch (java.net.SocketTimeoutException e) {
                outcome = "nothing after " + (System.nanoTime() - started) / 1_000_000 + " ms";
            } catch (IOException e) {
                outcome = "closed";
            }
            assertThat(outcome).doesNotStartWith("nothing");
        }
    }

    /** Meaningful with a --keep-alive-timeout below the read's 4 s: the idle timeout still does not close it. */
    @Test
    void stalledBodyAfterLocalAnswerIsClosedWhenIdle() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort(), 4000)) {
            http.send("POST /stall HTTP/1.1\r\nHost: down.example.com\r\nContent-Length: 10\r\n\r\nhello");
            assertThat(http.read(false).status()).isEqualTo(503);
            String outcome;
            try {
                outcome = http.output() == null ? "" : (readByte(http) < 0 ? "closed" : "data");
            } catch (java.net.SocketTimeoutException e) {
                outcome = "still open after 4 s";
            }
            assertThat(outcome).isEqualTo("closed");
        }
    }

    private static int readByte(RawHttp http) throws IOException {
        try {
            var f = RawHttp.class.getDeclaredField("in");
            f.setAccessible(true);
            return ((InputStream) f.get(http)).read();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client that stops reading for longer than the proxy read timeout gets its download cut. */
    @Test
    void slowReaderIsNotMistakenForSilentPod() throws Exception {
        int size = 32 << 20;
        byte[] big = new byte[size];
        pod.respond(request -> {
            var response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.wrappedBuffer(big));
            response.headers().set("Content-Length", size);
            return response;
        });
        try (RawHttp http = new RawHttp(caravan.httpPort(), 10000)) {
            http.send("GET /big HTTP/1.1\r\nHost: app.example.com\r\n\r\n");
            Thread.sleep(3000);
            String outcome;
            try {
                outcome = "body " + http.read(false).body().length;
            } catch (IOException e) {
                outcome = e.toString();
            }
            assertThat(outcome).isEqualTo("body " + size);
        }
    }

    /** CONNECT is refused: a tunnel would switch a pooled upstream connection out of HTTP. */
    @Test
    void connectIsRefusedAndNeverReachesThePool() throws Exception {
        int before = pod.seen().size();
        try (RawHttp http = new RawHttp(caravan.httpPort(), 5000)) {
            http.send("CONNECT app.example.com:443 HTTP/1.1\r\nHost: app.example.com\r\n\r\n");
            assertThat(http.read(false).status()).isEqualTo(405);
            assertThat(http.closedByPeer()).isTrue();
        }
        try (RawHttp http = new RawHttp(caravan.httpPort(), 5000)) {
            http.send("POST /pay HTTP/1.1\r\nHost: app.example.com\r\nContent-Length: 1\r\n\r\nx");
            assertThat(http.read(false).status()).isEqualTo(200);
        }
        assertThat(pod.seen().subList(before, pod.seen().size()).stream().map(s -> s.method() + " " + s.uri()))
                .containsExactly("POST /pay");
    }

    /** Locally answered pipelined requests are served by unbounded recursion through ctx.read(). */
    @Test
    void deepPipelineOfLocalAnswers() throws Exception {
        int rounds = 8;
        int n = 1400;
        StringBuilder requests = new StringBuilder();
        for (int r = 0; r < rounds; r++) {
            requests.append("GET /first HTTP/1.1\r\nHost: app.example.com\r\n\r\n");
            for (int i = 0; i < n; i++) {
                requests.append("GET / HTTP/1.1\r\nHost: down.example.com\r\n\r\n");
            }
        }
        pod.delay(100);
        try (RawHttp http = new RawHttp(caravan.httpPort(), 5000)) {
            Thread writer = new Thread(() -> {
                try {
                    http.send(requests.toString());
                } catch (IOException e) {
                    // the server may close
                }
            });
            writer.start();
            int answered = 0;
            try {
                for (; answered < rounds * (n + 1); answered++) {
                    http.read(false);
                }
            } catch (IOException e) {
                // fall through
            }
            writer.join(5000);
            assertThat(answered).isEqualTo(rounds * (n + 1));
        } finally {
            pod.delay(0);
        }
    }

    /** An HTTP/1.0 pod response with both Transfer-Encoding: chunked and Content-Length keeps the stale length. */
    @Test
    void http10ChunkedResponseWithContentLengthIsReframed() throws Exception {
        raw.respond(head -> "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 3\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        try (RawHttp http = new RawHttp(caravan.httpPort(), 4000)) {
            http.send("GET /a HTTP/1.1\r\nHost: raw.example.com\r\n\r\n");
            RawHttp.Response first = http.read(false);
            assertThat(first.text()).isEqualTo("hello");
        }
    }

    /** HttpClientCodec pairs the 103 with the HEAD, so the final response to the HEAD is read as having a body. */
    @Test
    void headAfterEarlyHintsIsAnswered() throws Exception {
        raw.respond(head -> "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n");
        try (RawHttp http = new RawHttp(caravan.httpPort(), 4000)) {
            http.send("HEAD /h HTTP/1.1\r\nHost: raw.example.com\r\n\r\n");
            String outcome = "";
            try {
                outcome = "status " + http.read(true).status();
                http.send("GET /after HTTP/1.1\r\nHost: app.example.com\r\n\r\n");
                outcome += ", then " + http.read(false).status();
            } catch (IOException e) {
                outcome += ", then " + e;
            }
            assertThat(outcome).isEqualTo("status 200, then 200");
        }
    }

    /** A raw TCP "pod": answers every request head it reads with fixed bytes, keeping the connection. */
    static final class RawPod implements AutoCloseable {
        private final ServerSocket server;
        private volatile Function<String, String> responder = head -> "HTTP/1.1 204 No Content\r\n\r\n";
        final List<String> heads = new CopyOnWriteArrayList<>();

        RawPod(String ip) throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getByName(ip));
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket socket = server.accept();
                        Thread t = new Thread(() -> serve(socket));
                        t.setDaemon(true);
                        t.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        void respond(Function<String, String> responder) {
            this.responder = responder;
        }

        private void serve(Socket socket) {
            try (socket) {
                InputStream in = socket.getInputStream();
                while (true) {
                    ByteArrayOutputStream head = new ByteArrayOutputStream();
                    int matched = 0;
                    int b;
                    while (matched < 4 && (b = in.read()) >= 0) {
                        head.write(b);
                        matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
                    }
                    if (matched < 4) {
                        return;
                    }
                    String text = head.toString(StandardCharsets.ISO_8859_1);
                    heads.add(text);
                    // a body framed by Content-Length is read and dropped, as any server would
                    for (String line : text.split("\r\n")) {
                        if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                            in.readNBytes(Integer.parseInt(line.substring(15).trim()));
                        }
                    }
                    String reply = responder.apply(text);
                    boolean close = reply.endsWith("<CLOSE>");
                    if (close) {
                        reply = reply.substring(0, reply.length() - 7);
                    }
                    socket.getOutputStream().write(reply.getBytes(StandardCharsets.ISO_8859_1));
                    socket.getOutputStream().flush();
                    if (close) {
                        Thread.sleep(200);
                        return;
                    }
                }
            } catch (IOException | InterruptedException e) {
                // done
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}

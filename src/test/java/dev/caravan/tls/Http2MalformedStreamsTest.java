package dev.caravan.tls;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.LogCapture;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp2;
import dev.caravan.testing.TestBackend;
import dev.caravan.testing.TestCertificates;
import io.netty.util.ResourceLeakDetector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an HTTP/2 client that breaks the protocol gets: the stream reset, or the connection ended, with
 * the error code that says why (RFC 9113 §5.4), never CANCEL or NO_ERROR; and resets it provokes are
 * counted, so that a flood of them ends the connection (Netty's limit, CVE-2025-8671).
 */
class Http2MalformedStreamsTest {

    private static final int PROTOCOL_ERROR = 1, STREAM_CLOSED = 5, FRAME_SIZE_ERROR = 6, ENHANCE_YOUR_CALM = 11;

    @TempDir
    static Path manifests;
    static TestBackend pod;
    static CaravanHarness caravan;
    static TestCertificates.Issued local = new TestCertificates().issue("localhost");

    @BeforeAll
    static void start() throws Exception {
        pod = TestBackend.start("127.0.0.2", "pod");
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), local.secret("local-tls"),
                Manifests.service("svc", pod), Manifests.tlsIngress("app", "localhost", "/", "svc", "localhost", "local-tls"),
                Manifests.ingress("small", "localhost", "/small", "svc",
                        Map.of("nginx.ingress.kubernetes.io/proxy-body-size", "1k"))));
        caravan = CaravanHarness.start(manifests);
    }

    @AfterAll
    static void stop() throws Exception {
        caravan.close();
        pod.close();
    }

    private static String[] get(String path, String... more) {
        List<String> headers = new ArrayList<>(List.of(":method", "GET", ":scheme", "https", ":authority", "localhost",
                ":path", path));
        headers.addAll(List.of(more));
        return headers.toArray(String[]::new);
    }

    @Test
    void aMalformedRequestHeadIsResetAsAProtocolErrorAndTheConnectionServesOn() throws Exception {
        pod.seen().clear();
        double before = caravan.metric("caravan_http2_stream_resets_total", "code=\"PROTOCOL_ERROR\"");
        try (RawHttp2 client = RawHttp2.connect(caravan.httpsPort(), "localhost")) {
            // Netty's conversion of these heads took a buffer it never gave back, a leak per request
            client.headers(1, true, get("/a b"));
            client.headers(3, true, ":method", "GE T", ":scheme", "https", ":authority", "localhost", ":path", "/");
            client.headers(5, true, ":method", "GET", ":scheme", "https", ":authority", "localhost");
            client.headers(7, true, ":method", "GET", ":authority", "localhost", ":path", "/");
            client.headers(9, true, get("/\u0001"));
            // caught in the conversion to HTTP/1: a CR in a value
            client.headers(11, true, get("/", "x-bad", "a\rb"));
            for (int stream = 1; stream <= 11; stream += 2) {
                RawHttp2.Frame reset = client.await(RawHttp2.RST_STREAM, stream, 5000);
                assertThat(reset).as("stream %d", stream).isNotNull();
                assertThat(reset.errorCode()).as("stream %d", stream).isEqualTo(PROTOCOL_ERROR);
            }
            client.headers(13, true, get("/fine/caf\u00c3\u00a9"));
            RawHttp2.Frame response = client.await(RawHttp2.HEADERS, 13, 5000);
            assertThat(response).isNotNull();
            // ":status: 200", indexed in HPACK's static table
            assertThat(response.payload()[0]).isEqualTo((byte) 0x88);
        }
        assertThat(pod.seen()).hasSize(1);
        assertThat(pod.last().uri()).isEqualTo("/fine/caf\u00c3\u00a9");
        // a stream's error shows in no access-log line: it is counted by its code
        assertThat(caravan.metric("caravan_http2_stream_resets_total", "code=\"PROTOCOL_ERROR\"") - before)
                .isEqualTo(6);
    }

    @Test
    void connectIsRefusedWith405AsOverHttp1() throws Exception {
        try (RawHttp2 client = RawHttp2.connect(caravan.httpsPort(), "localhost")) {
            client.headers(1, true, ":method", "CONNECT", ":authority", "localhost:443");
            RawHttp2.Frame response = client.await(RawHttp2.HEADERS, 1, 5000);
            assertThat(response).isNotNull();
            // ":status: 405", a literal under the static table's name :status (index 8)
            assertThat(new String(response.payload(), 0, 5, java.nio.charset.StandardCharsets.ISO_8859_1))
                    .isEqualTo("\u0048\u0003405");
        }
    }

    @Test
    void malformedHeadsLeakNoBuffer() throws Exception {
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        try (LogCapture leaks = new LogCapture(ResourceLeakDetector.class);
                RawHttp2 client = RawHttp2.connect(caravan.httpsPort(), "localhost")) {
            int stream = 1;
            for (int round = 0; round < 10; round++) {
                // Netty's conversion takes a buffer before it reads the target, and throws on these
                client.headers(stream, true, get("/a b"));
                client.headers(stream + 2, true, ":method", "CONNECT");
                client.headers(stream + 4, true, ":method", "connect", ":scheme", "https", ":path", "/");
                client.headers(stream + 6, true, ":method", "CONNECT", ":authority", "a b");
                for (int i = 0; i < 4; i++, stream += 2) {
                    RawHttp2.Frame reset = client.await(RawHttp2.RST_STREAM, stream, 5000);
                    assertThat(reset).as("stream %d", stream).isNotNull();
                    assertThat(reset.errorCode()).isEqualTo(PROTOCOL_ERROR);
                }
            }
            // a leak shows when its buffer has been collected and another buffer is tracked
            for (int i = 0; i < 3; i++) {
                System.gc();
                Thread.sleep(100);
                client.headers(stream, true, get("/"));
                assertThat(client.await(RawHttp2.HEADERS, stream, 5000)).isNotNull();
                stream += 2;
            }
            assertThat(leaks.lines()).noneMatch(line -> line.contains("LEAK"));
        } finally {
            ResourceLeakDetector.setLevel(level);
        }
    }

    @Test
    void resetsAClientProvokesAreCountedAndAFloodOfThemEndsTheConnection() throws Exception {
        try (RawHttp2 client = RawHttp2.connect(caravan.httpsPort(), "localhost")) {
            int stream = 1;
            int resets = 0;
            RawHttp2.Frame goAway = null;
            while (goAway == null && stream < 1000) {
                int first = stream;
                try {
                    for (int i = 0; i < 50; i++, stream += 2) {
                        client.headers(stream, true, i % 2 == 0 ? get("/", "x-bad", "a\nb") : get("/a b"));
                    }
                } catch (java.net.SocketException closed) {
                    // the GOAWAY and the close came while a batch was written: what was sent before is read below
                }
                for (int waited = first; waited < stream && goAway == null; waited += 2) {
                    RawHttp2.Frame frame = client.read(5000);
                    assertThat(frame).isNotNull();
                    if (frame.type() == RawHttp2.GOAWAY) {
                        goAway = frame;
                    } else if (frame.type() == RawHttp2.RST_STREAM) {
                        assertThat(frame.errorCode()).isEqualTo(PROTOCOL_ERROR);
                        resets++;
                    }
                }
            }
            assertThat(goAway).as("GOAWAY after %d resets", resets).isNotNull();
            assertThat(goAway.errorCode()).isEqualTo(ENHANCE_YOUR_CALM);
            assertThat(resets).isBetween(150, 260);
        }
    }

    /**
     * RFC 9113 §5.1: what a client had in flight on a stream Caravan reset is ignored. Netty would answer each
     * such frame with a reset of its own, counted against its limit (200 per 30 s), and end the connection.
     * The client here sends all its heads before any body, as clients do, on as many streams as it may open.
     */
    @Test
    void dataInFlightOnStreamsResetAfterEarlyAnswersIsIgnoredAndTheConnectionServesOn() throws Exception {
        int uploads = 128;
        try (RawHttp2 client = RawHttp2.connect(caravan.httpsPort(), "localhost")) {
            for (int i = 0, stream = 1; i < uploads; i++, stream += 2) {
                client.headers(stream, false, ":method", "POST", ":scheme", "https", ":authority", "localhost",
                        ":path", "/small/upload", "content-length", "65536");
            }
            // each is answered 413 from its Content-Length, and reset
            int answered = 0;
            while (answered < uploads) {
                RawHttp2.Frame frame = client.read(5000);
                assertThat(frame).as("answers so far: %d", answered).isNotNull();
                assertThat(frame.type()).as("the connection ended with %s", frame).isNotIn(-1, RawHttp2.GOAWAY);
                if (frame.type() == RawHttp2.HEADERS) {
                    answered++;
                }
            }
            // then the bodies they had in flight: 256 frames on reset streams
            byte[] chunk = new byte[1024];
            for (int round = 0; round < 2; round++) {
                for (int i = 0, stream = 1; i < uploads; i++, stream += 2) {
                    client.data(stream, chunk, round == 1);
                }
            }
            int last = 2 * uploads + 1;
            client.headers(last, true, get("/after"));
            List<RawHttp2.Frame> resets = new ArrayList<>();
            RawHttp2.Frame response = null;
            while (response == null) {
                RawHttp2.Frame frame = client.read(5000);
                assertThat(frame).as("a frame before the answer to the last request").isNotNull();
                assertThat(frame.type()).as("the connection ended with %s", frame).isNotIn(-1, RawHttp2.GOAWAY);
                if (frame.type() == RawHttp2.RST_STREAM) {
                    resets.add(frame);
                } else if (frame.type() == RawHttp2.HEADERS && frame.stream() == last) {
                    response = frame;
                }
            }
            assertThat(response.payload()[0]).as(":status 200").isEqualTo((byte) 0x88);
            assertThat(resets).as("resets of streams already reset").noneMatch(reset -> reset.errorCode() == STREAM_CLOSED);
        }
    }

    /**
     * A header block in HEADERS and {@code continuations} CONTINUATION frames, all but the first and last of those
     * empty, followed by {@code then}, as one write.
     */
    private static byte[] splitBlock(int stream, int continuations, byte[] then) {
        byte[] block = RawHttp2.headerBlock(get("/split", "x-padding", "p".repeat(200)));
        java.io.ByteArrayOutputStream frames = new java.io.ByteArrayOutputStream();
        int half = block.length / 2;
        frames.writeBytes(RawHttp2.encode(RawHttp2.HEADERS, RawHttp2.END_STREAM, stream, Arrays.copyOf(block, 10)));
        frames.writeBytes(RawHttp2.encode(RawHttp2.CONTINUATION, 0, stream, Arrays.copyOfRange(block, 10, half)));
        for (int i = 2; i < continuations; i++) {
            frames.writeBytes(RawHttp2.encode(RawHttp2.CONTINUATION, 0, stream, new byte[0]));
        }
        frames.writeBytes(RawHttp2.encode(RawHttp2.CONTINUATION, RawHttp2.END_HEADERS, stream,
                Arrays.copyOfRange(block, half, block.length)));
        frames.writeBytes(then);
        return frames.toByteArray();
    }

    /** Caravan allows 16 CONTINUATION frames per header block (nghttp2 allows 8). */
    @Test
    void aHeaderBlockInAsManyContinuationFramesAsAllowedIsServed() throws Exception {
        try (RawHttp2 client = RawHttp2.connect(caravan.httpsPort(), "localhost")) {
            assertThat(client.await(RawHttp2.SETTINGS, 0, 5000)).isNotNull();
            client.send(splitBlock(1, 16, new byte[0]));
            client.send(splitBlock(3, 16, new byte[0]));
            for (int stream = 1; stream <= 3; stream += 2) {
                RawHttp2.Frame response = client.await(RawHttp2.HEADERS, stream, 5000);
                assertThat(response).as("stream %d", stream).isNotNull();
                assertThat(response.payload()[0]).as(":status 200").isEqualTo((byte) 0x88);
            }
        }
    }

    /**
     * The CONTINUATION flood: one frame more ends the connection, even when the next request follows in the same
     * read and its HEADERS starts a new count.
     */
    @Test
    void aHeaderBlockInOneContinuationFrameMoreEndsTheConnection() throws Exception {
        try (RawHttp2 client = RawHttp2.connect(caravan.httpsPort(), "localhost")) {
            // the server's SETTINGS, acknowledged now: an acknowledgement inside the header block would be the error
            assertThat(client.await(RawHttp2.SETTINGS, 0, 5000)).isNotNull();
            byte[] next = RawHttp2.encode(RawHttp2.HEADERS, RawHttp2.END_HEADERS | RawHttp2.END_STREAM, 3,
                    RawHttp2.headerBlock(get("/next")));
            client.send(splitBlock(1, 17, next));
            RawHttp2.Frame goAway = client.await(RawHttp2.GOAWAY, -1, 5000);
            assertThat(goAway).isNotNull();
            assertThat(goAway.errorCode()).isEqualTo(ENHANCE_YOUR_CALM);
        }
    }

    @Test
    void aConnectionErrorEndsTheConnectionWithItsCodeAndIsCounted() throws Exception {
        double before = caravan.metric("caravan_http2_connection_errors_total", "code=\"FRAME_SIZE_ERROR\"");
        try (RawHttp2 client = RawHttp2.connect(caravan.httpsPort(), "localhost")) {
            // a frame beyond SETTINGS_MAX_FRAME_SIZE (16,384 by default)
            client.frame(RawHttp2.HEADERS, RawHttp2.END_HEADERS | RawHttp2.END_STREAM, 1, new byte[16_385]);
            RawHttp2.Frame goAway = client.await(RawHttp2.GOAWAY, -1, 5000);
            assertThat(goAway).isNotNull();
            assertThat(goAway.errorCode()).isEqualTo(FRAME_SIZE_ERROR);
        }
        assertThat(caravan.metric("caravan_http2_connection_errors_total", "code=\"FRAME_SIZE_ERROR\""))
                .isEqualTo(before + 1);
    }
}

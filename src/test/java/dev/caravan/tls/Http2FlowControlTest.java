package dev.caravan.tls;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.RawHttp2;
import dev.caravan.testing.TestBackend;
import dev.caravan.testing.TestCertificates;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An HTTP/2 connection's receive window: uploads held up by a pod that does not read keep their bytes
 * unread, and those bytes must not take the whole connection's window, or every other stream stops.
 */
class Http2FlowControlTest {

    private static final int SETTINGS_INITIAL_WINDOW_SIZE = 4;

    @TempDir
    Path manifests;
    TestBackend fast;
    ServerSocket stalled;
    final List<Socket> accepted = new CopyOnWriteArrayList<>();
    CaravanHarness caravan;
    final TestCertificates.Issued local = new TestCertificates().issue("localhost");

    @BeforeEach
    void start() throws Exception {
        fast = TestBackend.start("127.0.0.2", "fast");
        // a pod that takes connections and never reads: a small receive buffer, so it holds little
        stalled = new ServerSocket();
        stalled.setReceiveBufferSize(4096);
        stalled.bind(new InetSocketAddress("127.0.0.3", 0));
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    accepted.add(stalled.accept());
                }
            } catch (Exception closed) {
                // the test is over
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), local.secret("local-tls"),
                Manifests.service("fast", fast),
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: stalled\nspec:\n  ports:\n    - name: http\n      port: 80\n",
                Manifests.slice("stalled-1", "stalled", "127.0.0.3", stalled.getLocalPort(), true),
                Manifests.tlsIngress("fast", "localhost", "/fast", "fast", "localhost", "local-tls"),
                Manifests.ingress("stalled", "localhost", "/stalled", "stalled",
                        Map.of("nginx.ingress.kubernetes.io/proxy-body-size", "0"))));
        caravan = CaravanHarness.start(manifests);
    }

    @AfterEach
    void stop() throws Exception {
        caravan.close();
        fast.close();
        stalled.close();
        for (Socket socket : accepted) {
            socket.close();
        }
    }

    @Test
    void twoUploadsStalledAtAPodLeaveTheConnectionOpenToAThird() throws Exception {
        try (RawHttp2 client = RawHttp2.connect(caravan.httpsPort(), "localhost")) {
            Windows windows = new Windows(client);
            windows.readFor(300);
            for (int stream : new int[] {1, 3}) {
                client.headers(stream, false, ":method", "POST", ":scheme", "https", ":authority", "localhost",
                        ":path", "/stalled");
            }
            uploadUntilStalled(windows, 1, 3);
            assertThat(windows.stream(1)).as("stream 1 stalled by its own window").isZero();
            assertThat(windows.stream(3)).as("stream 3 stalled by its own window").isZero();

            client.headers(5, false, ":method", "POST", ":scheme", "https", ":authority", "localhost",
                    ":path", "/fast", "content-length", "100000");
            int left = 100_000;
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (left > 0 && System.nanoTime() < deadline) {
                left -= windows.send(5, Math.min(16_384, left), left <= 16_384);
                if (left > 0) {
                    // what comes before the body is whole is window updates; the answer is read below
                    windows.readFor(10);
                }
            }
            assertThat(left).as("bytes of the third upload the connection's window let through").isZero();
            RawHttp2.Frame response = client.await(RawHttp2.HEADERS, 5, 5000);
            assertThat(response).isNotNull();
            assertThat(response.payload()[0]).as(":status 200").isEqualTo((byte) 0x88);
        }
        assertThat(fast.last().bodyLength()).isEqualTo(100_000);
    }

    @Test
    void anUploadStalledAtAPodEndsWhenItsClientGoes() throws Exception {
        RawHttp2 client = RawHttp2.connect(caravan.httpsPort(), "localhost");
        Windows windows = new Windows(client);
        windows.readFor(300);
        client.headers(1, false, ":method", "POST", ":scheme", "https", ":authority", "localhost", ":path", "/stalled");
        uploadUntilStalled(windows, 1);
        client.abort();
        // its stream held request bytes the pod had not taken: it stayed open, with its pod connection,
        // until the proxy read timeout (60 s); now the request ends with the connection
        await().atMost(Duration.ofSeconds(5)).until(() -> RawHttp.get(caravan.adminPort(), "localhost", "/metrics")
                .text().lines().anyMatch(line -> line.startsWith("nginx_ingress_controller_requests{")
                        && line.contains("ingress=\"stalled\"")));
    }

    /** Uploads on {@code streams} until the server grants no more window for 1 s: the pod's buffers are full. */
    private static void uploadUntilStalled(Windows windows, int... streams) throws Exception {
        long lastProgress = System.nanoTime();
        long sent = 0;
        while (System.nanoTime() - lastProgress < 1_000_000_000L) {
            int wrote = 0;
            for (int stream : streams) {
                wrote += windows.send(stream, 16_384, false);
            }
            sent += wrote;
            if (windows.readFor(wrote > 0 ? 0 : 20) || wrote > 0) {
                lastProgress = System.nanoTime();
            }
            assertThat(sent).as("the uploads are held up at some point").isLessThan(256L << 20);
        }
    }

    /** The client's send windows, as the server's SETTINGS and WINDOW_UPDATEs set them. */
    private static final class Windows {
        private final RawHttp2 client;
        private long connection = 65_535;
        private long initial = 65_535;
        private final Map<Integer, Long> streams = new HashMap<>();

        Windows(RawHttp2 client) {
            this.client = client;
        }

        long stream(int id) {
            return streams.getOrDefault(id, initial);
        }

        /** Sends up to {@code most} bytes on {@code stream} as the windows allow; returns how many. */
        int send(int stream, int most, boolean last) throws Exception {
            int bytes = (int) Math.min(most, Math.min(connection, stream(stream)));
            if (bytes <= 0) {
                return 0;
            }
            client.data(stream, new byte[bytes], last && bytes == most);
            connection -= bytes;
            streams.put(stream, stream(stream) - bytes);
            return bytes;
        }

        /** Reads what the server sent for up to {@code millis}; whether any window grew. */
        boolean readFor(int millis) throws Exception {
            boolean grew = false;
            long deadline = System.nanoTime() + millis * 1_000_000L;
            while (true) {
                int wait = (int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                RawHttp2.Frame frame = client.read(wait);
                if (frame == null) {
                    return grew;
                }
                assertThat(frame.type()).as("connection open").isNotEqualTo(-1);
                ByteBuffer payload = ByteBuffer.wrap(frame.payload());
                if (frame.type() == RawHttp2.WINDOW_UPDATE) {
                    int increment = payload.getInt() & 0x7fffffff;
                    if (frame.stream() == 0) {
                        connection += increment;
                    } else {
                        streams.put(frame.stream(), stream(frame.stream()) + increment);
                    }
                    grew = true;
                } else if (frame.type() == RawHttp2.SETTINGS && (frame.flags() & 1) == 0) {
                    while (payload.remaining() >= 6) {
                        int id = payload.getShort() & 0xffff;
                        long value = payload.getInt() & 0xffffffffL;
                        if (id == SETTINGS_INITIAL_WINDOW_SIZE) {
                            initial = value;
                        }
                    }
                }
                if (millis == 0) {
                    return grew;
                }
            }
        }
    }
}

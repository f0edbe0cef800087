package dev.caravan.upstream;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.FreePorts;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Caravan's keep-alive connections to a pod, seen from the pod: a raw socket server that counts the
 * requests on each connection and notes when Caravan closes it. Idle connections close after
 * {@code --upstream-keepalive-timeout}, counted from their last use, never while in use.
 */
class PodConnectionPoolTest {

    private static final long IDLE_MILLIS = 2000;
    private static final long READ_MILLIS = 1000;

    @TempDir
    static Path manifests;
    static RawPod pod;
    static CaravanHarness caravan;

    @BeforeAll
    static void start() throws Exception {
        pod = new RawPod("127.0.0.4", FreePorts.next());
        write(manifests, "class.yaml", Manifests.ingressClass());
        write(manifests, "pod.yaml", Manifests.service("raw") + "---\n"
                + Manifests.slice("raw-0", "raw", pod.ip, pod.port, true));
        write(manifests, "ingress.yaml", Manifests.ingress("raw", "raw.example.com", "/", "raw"));
        // the same pod with a read timeout shorter than the pool's idle timeout
        write(manifests, "timed.yaml", Manifests.ingress("timed", "timed.example.com", "/", "raw",
                Map.of("nginx.ingress.kubernetes.io/proxy-read-timeout", Long.toString(READ_MILLIS / 1000))));
        caravan = CaravanHarness.start(manifests, "--upstream-keepalive-timeout", Long.toString(IDLE_MILLIS / 1000));
    }

    @AfterAll
    static void stop() throws Exception {
        caravan.close();
        pod.close();
    }

    @Test
    void aConnectionInUseStaysOpenAndAnIdleOneClosesAfterTheTimeout() throws Exception {
        pod.awaitAllClosed();
        int before = pod.connections.size();
        // one request every 400 ms for 4.8 s, on one client connection (so on one event loop, whose pool
        // serves them): the pod's connection is never idle for the timeout, though it lives more than twice as long
        long lastAnswer = 0;
        try (RawHttp client = new RawHttp(caravan.httpPort())) {
            for (int i = 0; i < 12; i++) {
                client.send("GET /" + i + " HTTP/1.1\r\nHost: raw.example.com\r\n\r\n");
                assertThat(client.read(false).status()).isEqualTo(200);
                lastAnswer = System.nanoTime();
                Thread.sleep(400);
            }
        }
        List<RawPod.Connection> opened = pod.connections.subList(before, pod.connections.size());
        assertThat(opened).as("connections the requests came on").hasSize(1);
        RawPod.Connection connection = opened.get(0);
        assertThat(connection.requests.get()).isEqualTo(12);
        long closedAt = connection.awaitClose(10_000);
        assertThat(closedAt).as("Caravan closed the idle connection").isPositive();
        long idleMillis = TimeUnit.NANOSECONDS.toMillis(closedAt - lastAnswer);
        assertThat(idleMillis).as("idle time before the close, ms").isBetween(IDLE_MILLIS - 400, IDLE_MILLIS + 2000);
        // and the next request opens a new one
        assertThat(caravan.get("raw.example.com", "/again").status()).isEqualTo(200);
        assertThat(pod.connections.size()).isEqualTo(before + 2);
    }

    @Test
    void aPooledConnectionWaitingLongerThanTheIdleTimeoutForAnAnswerStaysOpen() throws Exception {
        pod.awaitAllClosed();
        int before = pod.connections.size();
        try (RawHttp client = new RawHttp(caravan.httpPort(), 10_000)) {
            client.send("GET /plain HTTP/1.1\r\nHost: raw.example.com\r\n\r\n");
            assertThat(client.read(false).status()).isEqualTo(200);
            // the pooled connection's idle timer fires while the pod takes longer than the timeout to answer
            client.send("GET /slow HTTP/1.1\r\nHost: raw.example.com\r\n\r\n");
            RawHttp.Response slow = client.read(false);
            assertThat(slow.status()).isEqualTo(200);
        }
        assertThat(pod.connections.size()).as("connections the two requests came on").isEqualTo(before + 1);
        assertThat(pod.connections.get(before).requests.get()).isEqualTo(2);
    }

    /**
     * The pool's idle timer and the call's read timeout share one timer per connection: a pooled connection's
     * timer, set for the idle timeout, must fire sooner for a request whose read timeout is shorter.
     */
    @Test
    void aSilentPodOnAPooledConnectionTimesOutAfterTheReadTimeoutNotTheIdleTimeout() throws Exception {
        try (RawHttp client = new RawHttp(caravan.httpPort(), 10_000)) {
            // under the default read timeout (60 s): the connection goes to the pool with its timer set for 2 s
            client.send("GET /plain HTTP/1.1\r\nHost: raw.example.com\r\n\r\n");
            assertThat(client.read(false).status()).isEqualTo(200);
            long sent = System.nanoTime();
            client.send("GET /silent HTTP/1.1\r\nHost: timed.example.com\r\n\r\n");
            assertThat(client.read(false).status()).isEqualTo(504);
            long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
            assertThat(waitedMillis).as("time to the 504, ms").isBetween(READ_MILLIS - 100, IDLE_MILLIS - 300);
        }
    }

    /** The timer left running across requests times each request from its own start, not from the first one's. */
    @Test
    void requestsOnOneConnectionLongerThanTheReadTimeoutInAllAreEachTimedOnTheirOwn() throws Exception {
        pod.awaitAllClosed();
        int before = pod.connections.size();
        try (RawHttp client = new RawHttp(caravan.httpPort(), 10_000)) {
            // each answer takes 60 % of the read timeout; together they take three times it
            for (int i = 0; i < 5; i++) {
                client.send("GET /wait HTTP/1.1\r\nHost: timed.example.com\r\n\r\n");
                assertThat(client.read(false).status()).as("request " + i).isEqualTo(200);
            }
        }
        assertThat(pod.connections.size()).as("connections the requests came on").isEqualTo(before + 1);
    }

    @Test
    void anUpgradedPooledConnectionOutlivesTheIdleTimeout() throws Exception {
        try (Socket client = new Socket("127.0.0.1", caravan.httpPort())) {
            client.setSoTimeout(10_000);
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            // a plain request first, so that the upgrade goes out on a pooled connection, whose idle timer runs
            out.write("GET /plain HTTP/1.1\r\nHost: raw.example.com\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readUntil(in, "ok")).startsWith("HTTP/1.1 200");
            out.write(("GET /tunnel HTTP/1.1\r\nHost: raw.example.com\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(readUntil(in, "\r\n\r\n")).startsWith("HTTP/1.1 101");
            Thread.sleep(IDLE_MILLIS + 1000);
            out.write("ping".getBytes(StandardCharsets.US_ASCII));
            assertThat(readUntil(in, "ping")).as("the tunnel after the idle timeout").isEqualTo("ping");
        }
    }

    /** Reads until the text read ends with {@code end}; fails at the end of the stream. */
    private static String readUntil(InputStream in, String end) throws IOException {
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        while (!read.toString(StandardCharsets.US_ASCII).endsWith(end)) {
            int b = in.read();
            assertThat(b).as("the connection closed after " + read).isNotNegative();
            read.write(b);
        }
        return read.toString(StandardCharsets.US_ASCII);
    }

    /**
     * An HTTP/1.1 pod on a plain socket: answers every request with a keep-alive 200 ({@code /slow} after longer
     * than the idle timeout, {@code /wait} after most of the read timeout, {@code /silent} never), and one that asks for an upgrade with a 101, after which it echoes what it reads.
     */
    static final class RawPod implements AutoCloseable {

        final String ip;
        final int port;
        final List<Connection> connections = new CopyOnWriteArrayList<>();
        private final ServerSocket server;

        RawPod(String ip, int port) throws IOException {
            this.ip = ip;
            this.port = port;
            server = new ServerSocket(port, 50, InetAddress.getByName(ip));
            Thread acceptor = new Thread(this::accept, "raw-pod");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Connection connection = new Connection(server.accept());
                    connections.add(connection);
                    Thread serving = new Thread(connection::serve, "raw-pod-connection");
                    serving.setDaemon(true);
                    serving.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        /** Waits until the connections of earlier tests have closed (idle ones close within the timeout). */
        void awaitAllClosed() throws InterruptedException {
            for (Connection connection : connections) {
                assertThat(connection.awaitClose(IDLE_MILLIS + 5000)).as("an earlier connection closed").isNotZero();
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Connection connection : connections) {
                connection.socket.close();
            }
        }

        static final class Connection {
            final Socket socket;
            final AtomicInteger requests = new AtomicInteger();
            private volatile long closedAt;

            Connection(Socket socket) {
                this.socket = socket;
            }

            void serve() {
                try (socket) {
                    InputStream in = socket.getInputStream();
                    OutputStream out = socket.getOutputStream();
                    String head;
                    while ((head = readHead(in)) != null) {
                        requests.incrementAndGet();
                        if (head.toLowerCase(Locale.ROOT).contains("\r\nupgrade: echo\r\n")) {
                            out.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n"
                                    .getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                            in.transferTo(out);
                            break;
                        }
                        if (head.startsWith("GET /slow ")) {
                            sleep(IDLE_MILLIS + 1000);
                        } else if (head.startsWith("GET /wait ")) {
                            sleep(READ_MILLIS * 6 / 10);
                        } else if (head.startsWith("GET /silent ")) {
                            // answers nothing, and reads on once Caravan gives up and closes the connection
                            continue;
                        }
                        out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    }
                } catch (IOException e) {
                    // a reset is a close too
                }
                closedAt = System.nanoTime();
            }

            private static void sleep(long millis) {
                try {
                    Thread.sleep(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            /** Reads one request head (the requests here have no body); {@code null} at the end of the stream. */
            private static String readHead(InputStream in) throws IOException {
                ByteArrayOutputStream head = new ByteArrayOutputStream();
                int b;
                while ((b = in.read()) >= 0) {
                    head.write(b);
                    if (head.size() >= 4 && head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                        return head.toString(StandardCharsets.US_ASCII);
                    }
                }
                return null;
            }

            /** When the connection ended (System.nanoTime), or 0 if it had not within the wait. */
            long awaitClose(long millis) throws InterruptedException {
                long deadline = System.currentTimeMillis() + millis;
                while (closedAt == 0 && System.currentTimeMillis() < deadline) {
                    Thread.sleep(20);
                }
                return closedAt;
            }
        }
    }
}

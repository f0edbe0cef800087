package dev.caravan.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.caravan.admin.AccessLog;
import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.FreePorts;
import dev.caravan.testing.LogCapture;
import dev.caravan.testing.Manifests;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --tcp-services-configmap, over real sockets: a line-based "pod" that speaks first (as SSH, SMTP or MySQL servers
 * do), then echoes each line with its own name, so that which pod answered is seen.
 */
class TcpServicesTest {

    @TempDir
    Path manifests;

    private final List<LinePod> pods = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopPods() {
        pods.forEach(LinePod::close);
    }

    @Test
    void aPortRelaysBothWaysToTheServicesPodsAndFollowsTheConfigMapWithoutDroppingConnections() throws Exception {
        LinePod git = pod("127.0.0.2", "git");
        LinePod db = pod("127.0.0.3", "db");
        int port = FreePorts.next();
        CaravanHarness.write(manifests, "services.yaml", service("git", "ssh", 22, git) + "---\n"
                + service("db", "sql", 5432, db));
        CaravanHarness.write(manifests, "tcp.yaml", tcpServices(port + ": default/git:22"));
        try (LogCapture access = new LogCapture(AccessLog.LOGGER);
                CaravanHarness caravan = CaravanHarness.start(manifests, "--tcp-services-configmap", "default/tcp")) {
            // the pod speaks first: the relay connects before the client sends anything
            Client first = greeted(port, "hello from git");
            assertThat(first.ask("ping")).isEqualTo("git: ping");

            // the port now names the other Service, by its port's name: new connections go there, the open one stays
            caravan.write("tcp.yaml", tcpServices(port + ": default/db:sql"));
            Client second = greeted(port, "hello from db");
            assertThat(second.ask("select")).isEqualTo("db: select");
            assertThat(first.ask("still there")).isEqualTo("git: still there");

            // the entry goes: the port is closed to new connections, and the open ones go on
            caravan.write("tcp.yaml", tcpServices("{}"));
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThatThrownBy(() -> connect(port).close()).isInstanceOf(ConnectException.class));
            assertThat(first.ask("and now")).isEqualTo("git: and now");
            assertThat(second.ask("and now")).isEqualTo("db: and now");
            first.close();
            second.close();
            // each connection closed is a line of the access log: the bytes each way, as nginx's stream log counts
            // them ("hello from git\n" and three answers to the client, three lines from it)
            String gitService = "\"service\":\"default/git:22\"";
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(access.lines().stream()
                    .flatMap(String::lines).filter(line -> line.contains("\"protocol\":\"TCP\"") && line.contains(gitService)
                            && line.contains("\"bytes_sent\":" + ("hello from git\n".length() + "git: ping\n".length()
                                    + "git: still there\n".length() + "git: and now\n".length()))
                            && line.contains("\"bytes_received\":" + ("ping\nstill there\nand now\n".length()))
                            && line.contains("\"status\":200") && line.contains("\"port\":" + port)))
                    .as("%s", access.lines()).isNotEmpty());

            // taken away and given back at once: listened on again once the old socket is gone, not at a later change
            caravan.write("tcp.yaml", tcpServices(port + ": default/db:5432"));
            greeted(port, "hello from db").close();
            caravan.write("tcp.yaml", tcpServices("{}"));
            caravan.write("tcp.yaml", tcpServices(port + ": default/git:ssh"));
            greeted(port, "hello from git").close();
        }
    }

    @Test
    void eachSessionIsCountedByProtocolPortAndServiceWithItsBytesAndTime() throws Exception {
        LinePod git = pod("127.0.0.2", "git");
        int port = FreePorts.next();
        int refusing = FreePorts.next();
        int dead = FreePorts.next();
        CaravanHarness.write(manifests, "services.yaml", service("git", "ssh", 22, git) + "---\n"
                + Manifests.service("gone") + "---\n" + Manifests.slice("gone-0", "gone", "127.0.0.3", refusing, true));
        CaravanHarness.write(manifests, "tcp.yaml", tcpServices(port + ": default/git:22\n  " + dead
                + ": default/gone:80"));
        try (CaravanHarness caravan = CaravanHarness.start(manifests, "--tcp-services-configmap", "default/tcp")) {
            try (Client client = connect(port)) {
                assertThat(client.line()).isEqualTo("hello from git");
                assertThat(client.ask("ping")).isEqualTo("git: ping");
            }
            // a pod that refuses: nginx's 502
            try (Client client = connect(dead)) {
                assertThat(client.socket.getInputStream().read()).isEqualTo(-1);
            }
            String gitLabels = "port=\"" + port + "\",protocol=\"TCP\",service=\"default/git:22\"";
            String gone = "port=\"" + dead + "\",protocol=\"TCP\",service=\"default/gone:80\"";
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(metrics(caravan))
                    .containsPattern("caravan_stream_sessions_total\\{[^}]*" + gitLabels + ",status=\"200\"} 1.0")
                    .containsPattern("caravan_stream_sent_bytes_total\\{[^}]*" + gitLabels + "} "
                            + ("hello from git\n".length() + "git: ping\n".length()) + ".0")
                    .containsPattern("caravan_stream_received_bytes_total\\{[^}]*" + gitLabels + "} " + "ping\n".length()
                            + ".0")
                    .containsPattern("caravan_stream_session_seconds_count\\{[^}]*" + gitLabels + "} 1\n")
                    .containsPattern("caravan_stream_sessions_total\\{[^}]*" + gone + ",status=\"502\"} 1.0")
                    .doesNotContainPattern(gone + ",status=\"200\""));
            // a port no longer relayed to its Service takes its series with it; the other's stay
            caravan.write("tcp.yaml", tcpServices(dead + ": default/gone:80"));
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(metrics(caravan))
                    .doesNotContain(gitLabels).contains(gone));
        }
    }

    private static String metrics(CaravanHarness caravan) throws Exception {
        return dev.caravan.testing.RawHttp.get(caravan.adminPort(), "localhost", "/metrics").text();
    }

    @Test
    void proxyProtocolHeadersAreReadOffTheClientAndSentToThePod() throws Exception {
        LinePod mail = pod("127.0.0.2", "mail");
        int decoding = FreePorts.next();
        int plain = FreePorts.next();
        CaravanHarness.write(manifests, "services.yaml", service("mail", "smtp", 25, mail));
        CaravanHarness.write(manifests, "tcp.yaml", tcpServices(decoding + ": default/mail:25:PROXY:PROXY\n  "
                + plain + ": \"default/mail:smtp::proxy\""));
        try (LogCapture access = new LogCapture(AccessLog.LOGGER);
                CaravanHarness caravan = CaravanHarness.start(manifests, "--tcp-services-configmap", "default/tcp")) {
            // a load balancer's header, and the client's first line in the same packet
            Client proxied = await().atMost(Duration.ofSeconds(5)).ignoreExceptions()
                    .until(() -> connect(decoding, "PROXY TCP4 203.0.113.7 198.51.100.1 40000 25\r\nEHLO a\n"),
                            client -> true);
            assertThat(proxied.line()).isEqualTo("hello from mail");
            assertThat(proxied.line()).isEqualTo("mail: EHLO a");
            // the client the load balancer named, and the address it reached here, as nginx's real_ip module leaves them
            assertThat(mail.headers).contains("PROXY TCP4 203.0.113.7 127.0.0.1 40000 " + decoding);

            // no header read here, one sent: the client is the peer, the server the port it reached
            Client direct = await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> connect(plain),
                    client -> true);
            assertThat(direct.line()).isEqualTo("hello from mail");
            assertThat(direct.ask("EHLO b")).isEqualTo("mail: EHLO b");
            assertThat(mail.headers).anySatisfy(header -> assertThat(header)
                    .matches("PROXY TCP4 127\\.0\\.0\\.1 127\\.0\\.0\\.1 \\d+ " + plain));

            // an IPv6 client named over IPv4: one family in the header sent on, the address reached written as IPv6
            try (Client six = connect(decoding, "PROXY TCP6 2001:db8::7 2001:db8::1 40001 25\r\nEHLO v6\n")) {
                assertThat(six.line()).isEqualTo("hello from mail");
                assertThat(six.line()).isEqualTo("mail: EHLO v6");
            }
            assertThat(mail.headers).anySatisfy(header -> assertThat(header)
                    .isEqualTo("PROXY TCP6 2001:db8:0:0:0:0:0:7 ::ffff:127.0.0.1 40001 " + decoding));

            // a connection without the header it must start with is closed, unanswered
            try (Client noHeader = connect(decoding, "EHLO client.example\r\n")) {
                assertThat(noHeader.reader.readLine()).isNull();
            }
            proxied.close();
            direct.close();
            // logged with the client the header named, and what came with the header counted
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(access.lines().stream()
                    .flatMap(String::lines).filter(line -> line.contains("\"client\":\"203.0.113.7\"")
                            && line.contains("\"bytes_received\":" + "EHLO a\n".length())))
                    .as("%s", access.lines()).isNotEmpty());
            // and the connection without its header as nginx's 400
            assertThat(access.lines().stream().flatMap(String::lines)
                    .filter(line -> line.contains("\"port\":" + decoding) && line.contains("\"status\":400")))
                    .isNotEmpty();
        }
    }

    @Test
    void aPodThatRefusesIsFollowedByAnotherAndBadEntriesAreToldWithoutTakingTheOthers() throws Exception {
        LinePod live = pod("127.0.0.3", "live");
        int refusing = FreePorts.next();
        int port = FreePorts.next();
        int alsoServed = FreePorts.next();
        CaravanHarness.write(manifests, "services.yaml", service("app", "tcp", 7000, live)
                + "---\n" + Manifests.slice("app-dead", "app", "tcp", "127.0.0.2", refusing, true));
        CaravanHarness.write(manifests, "tcp.yaml", tcpServices(port + ": default/app:7000\n  "
                + alsoServed + ": default/app:tcp\n  \"0" + alsoServed + "\": default/app:7000\n"
                + "  \"70000\": default/app:7000\n  \"7001\": default/missing:80\n"
                + "  \"7002\": default/app"));
        try (LogCapture log = new LogCapture(dev.caravan.compile.Recompiler.class);
                CaravanHarness caravan = CaravanHarness.start(manifests, "--tcp-services-configmap", "default/tcp")) {
            for (int i = 0; i < 6; i++) {
                // round robin sends every other connection to the dead pod first: each gets the live one
                try (Client client = await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> connect(port),
                        c -> true)) {
                    assertThat(client.line()).isEqualTo("hello from live");
                }
            }
            try (Client client = connect(alsoServed)) {
                assertThat(client.line()).isEqualTo("hello from live");
            }
            assertThat(log.warnings()).anySatisfy(line -> assertThat(line).contains("ConfigMap default/tcp: 70000:")
                    .contains("is no port"));
            assertThat(log.warnings()).anySatisfy(line -> assertThat(line).contains("7001: service default/missing not found"));
            assertThat(log.warnings()).anySatisfy(line -> assertThat(line).contains("7002:")
                    .contains("is not NAMESPACE/SERVICE:PORT"));
            assertThat(log.warnings()).anySatisfy(line -> assertThat(line).contains(alsoServed + ": port " + alsoServed
                    + " is named by another key too"));
        }
    }

    @Test
    void idleConnectionsCloseAndPortsWithoutPodsOrTakenByCaravanAreToldNotServed() throws Exception {
        LinePod dns = pod("127.0.0.2", "dns");
        int port = FreePorts.next();
        int empty = FreePorts.next();
        String services = """
                apiVersion: v1
                kind: Service
                metadata:
                  name: dns
                spec:
                  ports:
                    - name: dns-udp
                      port: 53
                      protocol: UDP
                    - name: dns-tcp
                      port: 53
                      protocol: TCP
                ---
                """ + Manifests.slice("dns-udp", "dns", "dns-udp", "127.0.0.3", 5353, true) + "---\n"
                + Manifests.slice("dns-tcp", "dns", "dns-tcp", dns.ip, dns.port, true) + "---\n"
                + """
                apiVersion: v1
                kind: Service
                metadata:
                  name: scaled-to-zero
                spec:
                  ports:
                    - port: 1
                """;
        CaravanHarness.write(manifests, "services.yaml", services);
        try (LogCapture log = new LogCapture(StreamListeners.class)) {
            // the HTTP port is known only once started: the entry for it comes after
            CaravanHarness.write(manifests, "tcp.yaml", tcpServices(port + ": default/dns:53\n  " + empty
                    + ": default/scaled-to-zero:1"));
            try (CaravanHarness caravan = CaravanHarness.start(manifests, "--tcp-services-configmap", "default/tcp",
                    "--proxy-stream-timeout", "1")) {
                // the TCP port of 53, not the UDP one listed first
                Client client = greeted(port, "hello from dns");
                assertThat(client.ask("query")).isEqualTo("dns: query");
                long idleFrom = System.nanoTime();
                assertThat(client.line()).as("closed once idle").isNull();
                assertThat(Duration.ofNanos(System.nanoTime() - idleFrom)).isBetween(Duration.ofMillis(500),
                        Duration.ofSeconds(4));
                client.close();

                // a Service without ready pods: the port is there, each connection closed at once
                try (Client noPod = await().atMost(Duration.ofSeconds(5)).ignoreExceptions()
                        .until(() -> connect(empty), c -> true)) {
                    assertThat(noPod.line()).isNull();
                }

                caravan.write("tcp.yaml", tcpServices(caravan.httpPort() + ": default/dns:dns-tcp"));
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(log.lines()).anySatisfy(line ->
                        assertThat(line).contains("TCP port " + caravan.httpPort()).contains("it is Caravan's --http-port")));
                assertThat(caravan.get("nothing.test", "/").status()).as("HTTP still Caravan's").isEqualTo(404);
            }
        }
    }

    @Test
    void stoppingClosesThePortAndWaitsForOpenConnectionsThenClosesThoseLeftAtTheTimeout() throws Exception {
        LinePod db = pod("127.0.0.2", "db");
        int port = FreePorts.next();
        CaravanHarness.write(manifests, "services.yaml", service("db", "sql", 5432, db));
        CaravanHarness.write(manifests, "tcp.yaml", tcpServices(port + ": default/db:5432"));
        CaravanHarness caravan = CaravanHarness.start(manifests, "--tcp-services-configmap", "default/tcp",
                "--shutdown-timeout", "3");
        Client ending = greeted(port, "hello from db");
        Client staying = greeted(port, "hello from db");
        long started = System.nanoTime();
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> {
            try {
                caravan.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // no new connection, while those open are relayed as before
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThatThrownBy(() -> connect(port).close()).isInstanceOf(ConnectException.class));
        assertThat(ending.ask("commit")).isEqualTo("db: commit");
        assertThat(staying.ask("select")).isEqualTo("db: select");
        ending.close();
        assertThat(staying.ask("still")).isEqualTo("db: still");
        // the one left open is closed at --shutdown-timeout, and Caravan stops then, not before
        assertThat(staying.line()).isNull();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isBetween(Duration.ofMillis(2500),
                Duration.ofSeconds(8));
        stopping.get(10, TimeUnit.SECONDS);
        staying.close();
    }

    private LinePod pod(String ip, String name) throws IOException {
        LinePod pod = new LinePod(ip, name);
        pods.add(pod);
        return pod;
    }

    private static String tcpServices(String data) {
        return Manifests.configMap("tcp", data);
    }

    private static String service(String name, String portName, int port, LinePod pod) {
        return """
                apiVersion: v1
                kind: Service
                metadata:
                  name: %s
                spec:
                  ports:
                    - name: %s
                      port: %d
                ---
                """.formatted(name, portName, port)
                + Manifests.slice(name + "-0", name, portName, pod.ip, pod.port, true);
    }

    /** A connection to {@code port} once its first line is {@code greeting}; others are closed. */
    private static Client greeted(int port, String greeting) {
        return await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> {
            Client client = connect(port);
            if (greeting.equals(client.line())) {
                return client;
            }
            client.close();
            return null;
        }, client -> client != null);
    }

    private static Client connect(int port) throws IOException {
        return connect(port, "");
    }

    private static Client connect(int port, String first) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        socket.setSoTimeout(5000);
        Client client = new Client(socket);
        if (!first.isEmpty()) {
            client.out.write(first.getBytes(StandardCharsets.US_ASCII));
            client.out.flush();
        }
        return client;
    }

    private static final class Client implements AutoCloseable {
        final Socket socket;
        final OutputStream out;
        final BufferedReader reader;

        Client(Socket socket) throws IOException {
            this.socket = socket;
            this.out = socket.getOutputStream();
            this.reader = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
        }

        String line() throws IOException {
            return reader.readLine();
        }

        String ask(String line) throws IOException {
            out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return line();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /**
     * A pod: greets each connection, then answers each line with "name: line"; a PROXY protocol v1 line first is kept
     * in {@link #headers}, not answered.
     */
    private static final class LinePod implements AutoCloseable {
        final String ip;
        final int port;
        final String name;
        final List<String> headers = new CopyOnWriteArrayList<>();
        private final ServerSocket server;
        private final List<Socket> connections = new CopyOnWriteArrayList<>();

        LinePod(String ip, String name) throws IOException {
            this.ip = ip;
            this.name = name;
            this.server = new ServerSocket(0, 50, InetAddress.getByName(ip));
            this.port = server.getLocalPort();
            Thread acceptor = new Thread(this::accept, "pod-" + name);
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    connections.add(socket);
                    Thread serving = new Thread(() -> serve(socket), "pod-" + name + "-connection");
                    serving.setDaemon(true);
                    serving.start();
                } catch (IOException closed) {
                    return;
                }
            }
        }

        private void serve(Socket socket) {
            try (socket) {
                OutputStream out = socket.getOutputStream();
                out.write(("hello from " + name + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.US_ASCII));
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.startsWith("PROXY ")) {
                        headers.add(line.strip());
                        continue;
                    }
                    out.write((name + ": " + line + "\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            } catch (IOException e) {
                if (!socket.isClosed()) {
                    throw new UncheckedIOException(e);
                }
            }
        }

        @Override
        public void close() {
            try {
                server.close();
                for (Socket socket : connections) {
                    socket.close();
                }
            } catch (IOException ignored) {
                // closing
            }
        }
    }
}

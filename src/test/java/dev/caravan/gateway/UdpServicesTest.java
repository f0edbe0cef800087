package dev.caravan.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.caravan.admin.AccessLog;
import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.FreePorts;
import dev.caravan.testing.LogCapture;
import dev.caravan.testing.Manifests;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --udp-services-configmap over real UDP sockets: "pods" that answer each datagram with their name and what came, so
 * that which pod answered is seen, and a client socket per test client.
 */
class UdpServicesTest {

    @TempDir
    Path manifests;

    private final List<EchoPod> pods = new ArrayList<>();

    @AfterEach
    void stopPods() {
        pods.forEach(EchoPod::close);
    }

    @Test
    void eachDatagramIsASessionAnsweredByAPodInTurnAndLoggedAndThePortFollowsTheConfigMap() throws Exception {
        EchoPod a = pod("127.0.0.2", "a");
        EchoPod b = pod("127.0.0.3", "b");
        int port = FreePorts.next();
        CaravanHarness.write(manifests, "dns.yaml", dnsService(a, b));
        CaravanHarness.write(manifests, "udp.yaml", configMap(port + ": default/dns:53"));
        try (LogCapture access = new LogCapture(AccessLog.LOGGER);
                CaravanHarness caravan = CaravanHarness.start(manifests, "--udp-services-configmap", "default/udp");
                DatagramSocket client = client(port)) {
            awaitListening(port);
            client.setSoTimeout(5000);
            // one answer per datagram ends its session (--proxy-stream-responses 1): the next goes to the other pod
            Set<String> answered = new HashSet<>();
            for (int i = 0; i < 4; i++) {
                answered.add(ask(client, "query"));
            }
            assertThat(answered).containsExactlyInAnyOrder("a: query", "b: query");
            // a datagram larger than Netty's default read buffer (2 KiB), whole both ways
            String large = "x".repeat(3000);
            assertThat(ask(client, large)).endsWith(": " + large);
            // the UDP port of 53, not its TCP twin
            assertThat(a.seen + b.seen).isGreaterThanOrEqualTo(4);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(access.lines().stream()
                    .flatMap(String::lines).filter(line -> line.contains("\"protocol\":\"UDP\"")
                            && line.contains("\"port\":" + port) && line.contains("\"service\":\"default/dns:53\"")
                            && line.contains("\"status\":200") && line.contains("\"bytes_received\":5")
                            && line.contains("\"bytes_sent\":8")))
                    .as("%s", access.lines()).hasSizeGreaterThanOrEqualTo(4));
            // and counted in the metrics: the five sessions at least (a probe of the port's may add its own)
            java.util.regex.Pattern sessions = java.util.regex.Pattern.compile("caravan_stream_sessions_total\\{[^}]*port=\""
                    + port + "\",protocol=\"UDP\",service=\"default/dns:53\",status=\"200\"} ([0-9.]+)");
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                java.util.regex.Matcher counted = sessions.matcher(
                        dev.caravan.testing.RawHttp.get(caravan.adminPort(), "localhost", "/metrics").text());
                assertThat(counted.find()).isTrue();
                assertThat(Double.parseDouble(counted.group(1))).isGreaterThanOrEqualTo(5);
            });

            // the entry goes: nothing listens, and the client is told so by ICMP
            caravan.write("udp.yaml", configMap("{}"));
            client.setSoTimeout(1000);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThatThrownBy(() -> ask(client, "gone?")).isInstanceOf(PortUnreachableException.class));
        }
    }

    @Test
    void aSessionAwaitingAnswersKeepsItsPodUntilIdleThenEndsAs502AndAPodlessServiceDropsDatagrams() throws Exception {
        EchoPod a = pod("127.0.0.2", "a");
        EchoPod b = pod("127.0.0.3", "b");
        int port = FreePorts.next();
        int podless = FreePorts.next();
        CaravanHarness.write(manifests, "dns.yaml", dnsService(a, b) + "---\n" + """
                apiVersion: v1
                kind: Service
                metadata:
                  name: empty
                spec:
                  ports:
                    - port: 514
                      protocol: UDP
                """);
        CaravanHarness.write(manifests, "udp.yaml", configMap(port + ": default/dns:dns\n  " + podless
                + ": default/empty:514"));
        try (LogCapture access = new LogCapture(AccessLog.LOGGER);
                CaravanHarness caravan = CaravanHarness.start(manifests, "--udp-services-configmap", "default/udp",
                        "--proxy-stream-responses", "10", "--proxy-stream-timeout", "1");
                DatagramSocket client = client(port); DatagramSocket other = client(podless)) {
            awaitListening(port);
            client.setSoTimeout(5000);
            // ten answers due per datagram, one given: the session stays, with its pod
            String first = ask(client, "one");
            String pod = first.substring(0, 1);
            assertThat(ask(client, "two")).isEqualTo(pod + ": two");
            assertThat(ask(client, "three")).isEqualTo(pod + ": three");
            // idle for --proxy-stream-timeout with answers still due: ended as nginx's timed out session, a 502
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(access.lines().stream()
                    .flatMap(String::lines).filter(line -> line.contains("\"protocol\":\"UDP\"")
                            && line.contains("\"status\":502")
                            && line.contains("\"bytes_received\":" + "onetwothree".length())))
                    .as("%s", access.lines()).hasSize(1));

            other.setSoTimeout(500);
            assertThatThrownBy(() -> ask(other, "log line")).isInstanceOf(SocketTimeoutException.class);
            // dropped, and logged as a session no pod was reached for
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(access.lines().stream()
                    .flatMap(String::lines).filter(line -> line.contains("\"port\":" + podless)
                            && line.contains("\"status\":502") && line.contains("\"upstream_addr\":null")))
                    .as("%s", access.lines()).isNotEmpty());
        }
    }

    @Test
    void withNoResponseDueEachDatagramGoesToAPodInTurnAndNoAnswerComesBack() throws Exception {
        EchoPod a = pod("127.0.0.2", "a");
        EchoPod b = pod("127.0.0.3", "b");
        int port = FreePorts.next();
        CaravanHarness.write(manifests, "dns.yaml", dnsService(a, b));
        CaravanHarness.write(manifests, "udp.yaml", configMap(port + ": default/dns:dns"));
        try (CaravanHarness caravan = CaravanHarness.start(manifests, "--udp-services-configmap", "default/udp",
                "--proxy-stream-responses", "0");
                DatagramSocket client = client(port)) {
            // as syslog's: nothing is waited for, each datagram a session of its own
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                byte[] line = "<13>log line".getBytes(StandardCharsets.US_ASCII);
                client.send(new DatagramPacket(line, line.length));
                assertThat(a.seen).isPositive();
                assertThat(b.seen).isPositive();
            });
            client.setSoTimeout(300);
            assertThatThrownBy(() -> client.receive(new DatagramPacket(new byte[64], 64)))
                    .isInstanceOf(SocketTimeoutException.class);
        }
    }

    /** Until a datagram to the port is answered, from a client of its own. */
    private static void awaitListening(int port) {
        await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> {
            try (DatagramSocket probe = client(port)) {
                return ask(probe, "probe") != null;
            }
        });
    }

    private EchoPod pod(String ip, String name) throws IOException {
        EchoPod pod = new EchoPod(ip, name);
        pods.add(pod);
        return pod;
    }

    /** Service dns: UDP 53 named dns and TCP 53 named dns-tcp, each pod's slice with both. */
    private static String dnsService(EchoPod... pods) {
        StringBuilder yaml = new StringBuilder("""
                apiVersion: v1
                kind: Service
                metadata:
                  name: dns
                spec:
                  ports:
                    - name: dns-tcp
                      port: 53
                      protocol: TCP
                    - name: dns
                      port: 53
                      protocol: UDP
                """);
        for (EchoPod pod : pods) {
            yaml.append("---\n").append(Manifests.slice("dns-" + pod.name, "dns", "dns", pod.ip, pod.port(), true));
        }
        return yaml.toString();
    }

    private static String configMap(String data) {
        return Manifests.configMap("udp", data);
    }

    private static DatagramSocket client(int port) throws IOException {
        DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        // connected: an ICMP port unreachable comes back as an exception
        socket.connect(new InetSocketAddress("127.0.0.1", port));
        socket.setSoTimeout(1000);
        return socket;
    }

    private static String ask(DatagramSocket socket, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        socket.send(new DatagramPacket(bytes, bytes.length));
        DatagramPacket answer = new DatagramPacket(new byte[8192], 8192);
        socket.receive(answer);
        return new String(answer.getData(), 0, answer.getLength(), StandardCharsets.US_ASCII);
    }

    /** A UDP "pod" answering each datagram with "NAME: " and the datagram. */
    private static final class EchoPod implements AutoCloseable {
        final String ip;
        final String name;
        final DatagramSocket socket;
        volatile int seen;

        EchoPod(String ip, String name) throws IOException {
            this.ip = ip;
            this.name = name;
            this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(ip), 0));
            Thread thread = new Thread(this::serve, "udp-pod-" + name);
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void serve() {
            byte[] buffer = new byte[8192];
            while (!socket.isClosed()) {
                try {
                    DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                    socket.receive(packet);
                    seen++;
                    byte[] answer = (name + ": " + new String(packet.getData(), 0, packet.getLength(),
                            StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII);
                    socket.send(new DatagramPacket(answer, answer.length, packet.getSocketAddress()));
                } catch (IOException closed) {
                    return;
                }
            }
        }

        @Override
        public void close() {
            socket.close();
        }
    }
}

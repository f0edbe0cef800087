package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.LogCapture;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.RawHttp2;
import dev.caravan.testing.TestBackend;
import dev.caravan.testing.TestCertificates;
import dev.caravan.testing.TlsClient;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * use-proxy-protocol: the load balancer's PROXY header, v1 or v2, names the client for everything that asks who the
 * client is; a connection without one is closed unanswered, as nginx's {@code listen … proxy_protocol}.
 */
class ProxyProtocolTest {

    private static final String P = "nginx.ingress.kubernetes.io/";

    @TempDir
    java.nio.file.Path manifests;
    TestBackend pod;
    CaravanHarness caravan;

    @BeforeEach
    void start() throws Exception {
        pod = TestBackend.start("127.0.0.2", "pod");
        TestCertificates certificates = new TestCertificates();
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                certificates.issue("tls.test").secret("tls-cert"),
                Manifests.ingress("open", "open.test", "/", "svc"),
                Manifests.tlsIngress("tls", "tls.test", "/", "svc", "tls.test", "tls-cert"),
                Manifests.ingress("allowed", "allowed.test", "/", "svc",
                        Map.of(P + "allowlist-source-range", "203.0.113.0/24"))));
        // only the load balancer at 127.0.0.1 is believed
        caravan = CaravanHarness.start(manifests, "--use-proxy-protocol", "--proxy-protocol-header-timeout", "1",
                "--proxy-real-ip-cidr", "127.0.0.1/32,10.0.0.0/8");
    }

    @AfterEach
    void stop() throws Exception {
        caravan.close();
        pod.close();
    }

    private static byte[] v2(HAProxyCommand command, HAProxyProxiedProtocol protocol, String source, String destination,
            int sourcePort, int destinationPort) {
        EmbeddedChannel encoder = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        encoder.writeOutbound(new HAProxyMessage(HAProxyProtocolVersion.V2, command, protocol, source, destination,
                sourcePort, destinationPort));
        ByteBuf encoded = encoder.readOutbound();
        try {
            return ByteBufUtil.getBytes(encoded);
        } finally {
            encoded.release();
        }
    }

    private RawHttp.Response get(String from, byte[] header, String host) throws Exception {
        try (RawHttp client = new RawHttp(RawHttp.connectFrom(from, caravan.httpPort()), 10_000)) {
            client.send(header);
            client.send("GET /who HTTP/1.1\r\nHost: " + host + "\r\nX-Forwarded-For: 192.0.2.66\r\n\r\n");
            return client.read(false);
        }
    }

    private static byte[] v1(String line) {
        return (line + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void theHeadersSourceIsTheClientForwardedAndAllowed() throws Exception {
        assertThat(get("127.0.0.1", v1("PROXY TCP4 203.0.113.7 10.1.1.1 56324 443"), "open.test").status())
                .isEqualTo(200);
        assertThat(pod.last().headers().get("X-Forwarded-For")).isEqualTo("203.0.113.7");
        assertThat(pod.last().headers().get("X-Real-IP")).isEqualTo("203.0.113.7");
        // the port the client reached at the load balancer, as ingress-nginx's $proxy_protocol_server_port; 443 is
        // TLS the load balancer ended
        assertThat(pod.last().headers().get("X-Forwarded-Port")).isEqualTo("443");
        assertThat(pod.last().headers().get("X-Forwarded-Proto")).isEqualTo("https");
        assertThat(get("127.0.0.1", v1("PROXY TCP4 203.0.113.7 10.1.1.1 56324 80"), "allowed.test").status())
                .isEqualTo(200);
        assertThat(get("127.0.0.1", v1("PROXY TCP4 198.51.100.7 10.1.1.1 56324 80"), "allowed.test").status())
                .isEqualTo(403);
    }

    @Test
    void aConnectionTheLoadBalancerTookOn443IsNotRedirectedToHttps() throws Exception {
        // tls.test has TLS: plain HTTP is redirected, unless its TLS was ended by the load balancer
        assertThat(get("127.0.0.1", v1("PROXY TCP4 203.0.113.7 10.1.1.1 56324 80"), "tls.test").status())
                .isEqualTo(308);
        assertThat(get("127.0.0.1", v1("PROXY TCP4 203.0.113.7 10.1.1.1 56324 443"), "tls.test").status())
                .isEqualTo(200);
        assertThat(pod.last().headers().get("X-Forwarded-Proto")).isEqualTo("https");
    }

    @Test
    void version2HeadersOfBothFamiliesAndLocalOnes() throws Exception {
        assertThat(get("127.0.0.1", v2(HAProxyCommand.PROXY, HAProxyProxiedProtocol.TCP6, "2001:db8::7", "2001:db8::1",
                40000, 8443), "open.test").status()).isEqualTo(200);
        assertThat(pod.last().headers().get("X-Forwarded-For")).isEqualTo("2001:db8::7");
        assertThat(get("127.0.0.1", v2(HAProxyCommand.PROXY, HAProxyProxiedProtocol.TCP4, "203.0.113.9", "10.1.1.1",
                40000, 80), "allowed.test").status()).isEqualTo(200);
        assertThat(pod.last().headers().get("X-Forwarded-For")).isEqualTo("203.0.113.9");
        // a load balancer's own health check: the connection is its own
        assertThat(get("127.0.0.1", v2(HAProxyCommand.LOCAL, HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0),
                "open.test").status()).isEqualTo(200);
        assertThat(pod.last().headers().get("X-Forwarded-For")).isEqualTo("127.0.0.1");
        // the port clients reach HTTP on (--http-public-port), not the listener's own
        assertThat(pod.last().headers().get("X-Forwarded-Port")).isEqualTo("80");
    }

    @Test
    void aPeerNotTrustedIsItsOwnClientWhateverItsHeaderSays() throws Exception {
        assertThat(get("127.0.0.9", v1("PROXY TCP4 203.0.113.7 10.1.1.1 56324 443"), "allowed.test").status())
                .isEqualTo(403);
        assertThat(get("127.0.0.9", v1("PROXY TCP4 203.0.113.7 10.1.1.1 56324 443"), "open.test").status())
                .isEqualTo(200);
        assertThat(pod.last().headers().get("X-Forwarded-For")).isEqualTo("127.0.0.9");
    }

    @Test
    void aHeaderInPiecesIsWaitedFor() throws Exception {
        try (RawHttp client = new RawHttp(RawHttp.connectFrom("127.0.0.1", caravan.httpPort()), 10_000)) {
            client.send("PROXY TCP4 203.0.1".getBytes(StandardCharsets.US_ASCII));
            Thread.sleep(200);
            client.send("13.8 10.1.1.1 5 80\r\nGET /a HTTP/1.1\r\nHost: open.test\r\n\r\n");
            assertThat(client.read(false).status()).isEqualTo(200);
            // the connection goes on as any other
            client.send("GET /b HTTP/1.1\r\nHost: open.test\r\n\r\n");
            assertThat(client.read(false).status()).isEqualTo(200);
        }
        assertThat(pod.seen()).extracting(seen -> seen.headers().get("X-Forwarded-For"))
                .containsExactly("203.0.113.8", "203.0.113.8");
    }

    @Test
    void aHeaderAloneIsFollowedByTheRequestWhenItComes() throws Exception {
        try (RawHttp client = new RawHttp(RawHttp.connectFrom("127.0.0.1", caravan.httpPort()), 10_000)) {
            client.send(v1("PROXY TCP4 203.0.113.11 10.1.1.1 5 80"));
            // the header read on its own: HTTP must still ask for the request
            Thread.sleep(300);
            client.send("GET /late HTTP/1.1\r\nHost: open.test\r\n\r\n");
            assertThat(client.read(false).status()).isEqualTo(200);
        }
        assertThat(pod.last().headers().get("X-Forwarded-For")).isEqualTo("203.0.113.11");
    }

    @Test
    void http2StreamsAreTheirConnectionsClients() throws Exception {
        Socket socket = RawHttp.connectFrom("127.0.0.1", caravan.httpsPort());
        socket.getOutputStream().write(v1("PROXY TCP6 ::ffff:203.0.113.12 2001:db8::1 56324 443"));
        SSLSocket tls = (SSLSocket) TlsClient.trustAll().getSocketFactory().createSocket(socket, "tls.test",
                caravan.httpsPort(), true);
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName("tls.test")));
        parameters.setApplicationProtocols(new String[] {"h2"});
        tls.setSSLParameters(parameters);
        tls.startHandshake();
        try (RawHttp2 client = RawHttp2.over(tls)) {
            for (int stream = 1; stream <= 3; stream += 2) {
                client.headers(stream, true, ":method", "GET", ":scheme", "https", ":authority", "tls.test",
                        ":path", "/h2");
                assertThat(client.await(RawHttp2.HEADERS, stream, 5000)).isNotNull();
            }
        }
        // an IPv4 client a dual-stack balancer wrote as IPv6, on both streams
        assertThat(pod.seen()).extracting(seen -> seen.headers().get("X-Forwarded-For"))
                .containsExactly("203.0.113.12", "203.0.113.12");
    }

    @Test
    void enableRealIpDoesNotTakeTheClientFromRequestHeadersBehindTheProxyProtocolButForwardedHeadersDo()
            throws Exception {
        String header = "X-Forwarded-For: 198.51.100.3\r\n";
        caravan.close();
        caravan = CaravanHarness.start(manifests, "--use-proxy-protocol", "--enable-real-ip");
        try (RawHttp client = new RawHttp(RawHttp.connectFrom("127.0.0.1", caravan.httpPort()), 10_000)) {
            client.send(v1("PROXY TCP4 203.0.113.7 10.1.1.1 56324 80"));
            client.send("GET / HTTP/1.1\r\nHost: open.test\r\n" + header + "\r\n");
            assertThat(client.read(false).status()).isEqualTo(200);
        }
        assertThat(pod.last().headers().get("X-Forwarded-For")).isEqualTo("203.0.113.7");
        caravan.close();
        // with forwarded headers, the PROXY header's client is a balancer too, when trusted (10.0.0.0/8 here)
        caravan = CaravanHarness.start(manifests, "--use-proxy-protocol", "--use-forwarded-headers",
                "--proxy-real-ip-cidr", "127.0.0.1,10.0.0.0/8");
        for (String[] sourceAndClient : new String[][] {{"10.9.9.9", "198.51.100.3"}, {"203.0.113.7", "203.0.113.7"}}) {
            try (RawHttp client = new RawHttp(RawHttp.connectFrom("127.0.0.1", caravan.httpPort()), 10_000)) {
                client.send(v1("PROXY TCP4 " + sourceAndClient[0] + " 10.1.1.1 56324 80"));
                client.send("GET / HTTP/1.1\r\nHost: open.test\r\n" + header + "\r\n");
                assertThat(client.read(false).status()).isEqualTo(200);
            }
            assertThat(pod.last().headers().get("X-Real-IP")).isEqualTo(sourceAndClient[1]);
        }
    }

    @Test
    void aConnectionWithoutAHeaderOrWithABrokenOneOrTooSlowIsClosedUnanswered() throws Exception {
        for (byte[] start : List.of("GET / HTTP/1.1\r\nHost: open.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
                v1("PROXY TCP4 not-an-address 10.1.1.1 1 2"), v1("PROXY TCP9 203.0.113.7 10.1.1.1 1 2"),
                new byte[0])) {
            long started = System.nanoTime();
            try (Socket socket = RawHttp.connectFrom("127.0.0.1", caravan.httpPort())) {
                socket.getOutputStream().write(start);
                InputStream in = socket.getInputStream();
                assertThat(in.read()).as(new String(start, StandardCharsets.US_ASCII)).isEqualTo(-1);
            }
            // silence ends with the header timeout, not the client-header one (60 s)
            assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(5_000);
        }
        assertThat(pod.seen()).isEmpty();
    }

    @Test
    void aBrokenHeaderFollowedByARequestIsToldOfOnce() throws Exception {
        try (LogCapture log = new LogCapture(GatewayHandler.class);
                Socket socket = RawHttp.connectFrom("127.0.0.1", caravan.httpPort())) {
            socket.getOutputStream().write(("PROXY TCP4 999.1.1.1 10.1.1.1 5555 80\r\nGET / HTTP/1.1\r\nHost: open.test\r\n"
                    + "\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
            // the decoder goes on with the request's bytes; they are no second PROXY header to tell of
            Thread.sleep(200);
            assertThat(log.warnings()).filteredOn(line -> line.contains("no valid PROXY protocol header")).hasSize(1);
        }
    }

    @Test
    void overTlsTheHeaderComesBeforeTheHandshake() throws Exception {
        Socket socket = RawHttp.connectFrom("127.0.0.1", caravan.httpsPort());
        socket.getOutputStream().write(v1("PROXY TCP4 203.0.113.10 10.1.1.1 56324 443"));
        SSLSocket tls = (SSLSocket) TlsClient.trustAll().getSocketFactory().createSocket(socket, "tls.test",
                caravan.httpsPort(), true);
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName("tls.test")));
        tls.setSSLParameters(parameters);
        tls.startHandshake();
        assertThat(TlsClient.subject((java.security.cert.X509Certificate) tls.getSession().getPeerCertificates()[0]))
                .contains("tls.test");
        try (RawHttp client = new RawHttp(tls, 10_000)) {
            client.send("GET /secure HTTP/1.1\r\nHost: tls.test\r\n\r\n");
            assertThat(client.read(false).status()).isEqualTo(200);
        }
        assertThat(pod.last().headers().get("X-Forwarded-For")).isEqualTo("203.0.113.10");
        assertThat(pod.last().headers().get("X-Forwarded-Proto")).isEqualTo("https");
    }
}

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
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --client-header-timeout: a head that trickles in gets 408, a silent connection is closed, an idle keep-alive one is not. */
class SlowClientTest {

    @TempDir
    static Path manifests;
    static TestBackend pod;
    static CaravanHarness caravan;
    /** Far more than the client's socket and Caravan's write buffer take. */
    static final int BIG = 32 * 1024 * 1024;

    @BeforeAll
    static void start() throws Exception {
        pod = TestBackend.start("127.0.0.2", "pod");
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                Manifests.ingress("app", "app.example.test", "/", "svc")));
        pod.respond(request -> request.uri().equals("/big")
                ? new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.wrappedBuffer(new byte[BIG]))
                : TestBackend.text(HttpResponseStatus.OK, "pod"));
        caravan = CaravanHarness.start(manifests, "--client-header-timeout", "1", "--client-send-timeout", "1");
    }

    @AfterAll
    static void stop() throws Exception {
        caravan.close();
        pod.close();
    }

    @Test
    void aClientThatTakesNoneOfItsResponseIsDisconnected() throws Exception {
        try (Socket client = new Socket("127.0.0.1", caravan.httpPort())) {
            client.setReceiveBufferSize(16 * 1024);
            client.getOutputStream().write("GET /big HTTP/1.1\r\nHost: app.example.test\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            // reads nothing for longer than twice --client-send-timeout (a first quiet period marks where the
            // output stands, a second without progress ends it), then all it can
            Thread.sleep(4_000);
            // closed by then, its client still reading nothing
            assertThat(dev.caravan.testing.RawHttp.get(caravan.adminPort(), "localhost", "/metrics").text())
                    .contains("caravan_connections_open 0.0");
            client.setSoTimeout(10_000);
            long received = 0;
            InputStream in = client.getInputStream();
            byte[] statusLine = in.readNBytes(15);
            assertThat(new String(statusLine, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200 OK");
            try {
                byte[] buffer = new byte[65536];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    received += n;
                }
            } catch (SocketException reset) {
                // closed with unread data: a reset is as good as an end
            }
            // the response had begun, and was cut short
            assertThat(received).isPositive().isLessThan(BIG);
        }
    }

    @Test
    void aHeadTricklingInGets408WithinTheTimeout() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort(), 10_000)) {
            long started = System.nanoTime();
            byte[] head = "GET / HTTP/1.1\r\nHost: app.example.test\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII);
            http.send(head);
            // one byte every 200 ms would keep an idle timeout at bay for ever
            Thread trickle = new Thread(() -> {
                for (int i = 0; i < 20; i++) {
                    try {
                        Thread.sleep(200);
                        http.send("x");
                    } catch (java.io.IOException | InterruptedException closed) {
                        return;
                    }
                }
            });
            trickle.start();
            try {
                RawHttp.Response response = http.read(false);
                assertThat(response.status()).isEqualTo(408);
                assertThat(System.nanoTime() - started).isLessThan(3_000_000_000L);
                assertThat(http.closedByPeer()).isTrue();
            } finally {
                trickle.interrupt();
                trickle.join();
            }
        }
    }

    @Test
    void theStartOfAHeadPipelinedWithTheRequestBeforeIsTimedToo() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort(), 10_000)) {
            long started = System.nanoTime();
            http.send("GET / HTTP/1.1\r\nHost: app.example.test\r\n\r\nGET / HTTP/1.1\r\nHo");
            assertThat(http.read(false).status()).isEqualTo(200);
            // not the keep-alive timeout's silent close, 75 s on
            assertThat(http.read(false).status()).isEqualTo(408);
            assertThat(System.nanoTime() - started).isLessThan(3_000_000_000L);
            assertThat(http.closedByPeer()).isTrue();
        }
    }

    @Test
    void aConnectionThatSendsNothingIsClosed() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort(), 5_000)) {
            assertThat(http.closedByPeer()).isTrue();
        }
    }

    @Test
    void anIdleKeepAliveConnectionWaitsForItsNextRequest() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort(), 5_000)) {
            http.send("GET /1 HTTP/1.1\r\nHost: app.example.test\r\n\r\n");
            assertThat(http.read(false).status()).isEqualTo(200);
            // longer than the header timeout: between requests the keep-alive timeout applies
            Thread.sleep(1_500);
            http.send("GET /2 HTTP/1.1\r\nHost: app.example.test\r\n\r\n");
            assertThat(http.read(false).status()).isEqualTo(200);
        }
    }
}

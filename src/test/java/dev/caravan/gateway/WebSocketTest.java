package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.LogCapture;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** WebSockets through Caravan with the JDK's client: relayed after the 101, kept across changes, closed when their pod goes. */
class WebSocketTest {

    @TempDir
    Path manifests;
    NioEventLoopGroup group;
    Channel pod;
    CaravanHarness caravan;

    @BeforeEach
    void start() throws Exception {
        group = new NioEventLoopGroup(1);
        pod = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        channel.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                                new WebSocketServerProtocolHandler("/ws"), new EchoFrames(), new PlainHttp());
                    }
                })
                .bind("127.0.0.2", 0).sync().channel();
        int port = ((java.net.InetSocketAddress) pod.localAddress()).getPort();
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), service(port, true),
                Manifests.ingress("chat", "localhost", "/", "chat")));
        caravan = CaravanHarness.start(manifests, "--upgrade-grace-period", "1");
    }

    @AfterEach
    void stop() throws Exception {
        caravan.close();
        pod.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void messagesFlowBothWaysAndSurviveRoutingChanges() throws Exception {
        Frames frames = new Frames();
        WebSocket socket = connect(frames);
        // the pod greets in the same breath as its 101: nothing of it may be lost
        assertThat(frames.next()).isEqualTo("hello from the pod");
        socket.sendText("ping 1", true).join();
        assertThat(frames.next()).isEqualTo("echo: ping 1");

        // a new version of the routing table (another Ingress) leaves the open connection alone
        caravan.write("more.yaml", Manifests.ingress("other", "other.localhost", "/", "chat"));
        await().atMost(Duration.ofSeconds(5)).until(() -> caravan.get("other.localhost", "/x").status() != 404);
        socket.sendText("ping 2", true).join();
        assertThat(frames.next()).isEqualTo("echo: ping 2");
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").join();
        assertThat(frames.closed.get(5, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);

        // plain requests on the same listener are unaffected
        assertThat(caravan.get("localhost", "/plain").text()).isEqualTo("plain /plain");
    }

    @Test
    void aWebSocketWhosePodLeftTheServiceClosesAfterTheGracePeriod() throws Exception {
        Frames frames = new Frames();
        WebSocket socket = connect(frames);
        assertThat(frames.next()).isEqualTo("hello from the pod");
        int port = ((java.net.InetSocketAddress) pod.localAddress()).getPort();
        caravan.write("all.yaml", String.join("---\n", Manifests.ingressClass(), service(port, false),
                Manifests.ingress("chat", "localhost", "/", "chat")));
        await().atMost(Duration.ofSeconds(5)).until(() -> caravan.get("localhost", "/x").status() == 503);
        socket.sendText("still there", true).join();
        assertThat(frames.next()).as("within the grace period").isEqualTo("echo: still there");
        frames.closed.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aWebSocketWhoseIngressWasDeletedClosesAfterTheGracePeriod() throws Exception {
        Frames frames = new Frames();
        connect(frames);
        assertThat(frames.next()).isEqualTo("hello from the pod");
        int port = ((java.net.InetSocketAddress) pod.localAddress()).getPort();
        // the Service and its pod stay, served under another host: only the rule that let the WebSocket in goes
        caravan.write("all.yaml", String.join("---\n", Manifests.ingressClass(), service(port, true),
                Manifests.ingress("elsewhere", "elsewhere.localhost", "/", "chat")));
        await().atMost(Duration.ofSeconds(5)).until(() -> caravan.get("localhost", "/x").status() == 404);
        assertThat(frames.closed.get(10, TimeUnit.SECONDS)).isNotNull();
    }

    @Test
    void aWebSocketStaysWhileTheSourceRangesAdmitItsClientAndClosesWhenTheyNoLongerDo() throws Exception {
        try (LogCapture log = new LogCapture(UpgradedConnections.class)) {
            Frames frames = new Frames();
            WebSocket socket = connect(frames);
            assertThat(frames.next()).isEqualTo("hello from the pod");
            int port = ((java.net.InetSocketAddress) pod.localAddress()).getPort();
            caravan.write("all.yaml", String.join("---\n", Manifests.ingressClass(), service(port, true),
                    Manifests.ingress("chat", "localhost", "/", "chat",
                            Map.of("nginx.ingress.kubernetes.io/whitelist-source-range", "127.0.0.0/8")),
                    Manifests.ingress("marker", "marker.localhost", "/", "chat")));
            // the marker Ingress comes in the same change
            await().atMost(Duration.ofSeconds(5)).until(() -> caravan.get("marker.localhost", "/x").status() == 200);
            // past the grace period: a range that still admits the client leaves the connection alone
            Thread.sleep(2_000);
            socket.sendText("still admitted", true).join();
            assertThat(frames.next()).isEqualTo("echo: still admitted");

            caravan.write("all.yaml", String.join("---\n", Manifests.ingressClass(), service(port, true),
                    Manifests.ingress("chat", "localhost", "/", "chat",
                            Map.of("nginx.ingress.kubernetes.io/whitelist-source-range", "10.0.0.0/8"))));
            await().atMost(Duration.ofSeconds(5)).until(() -> caravan.get("localhost", "/x").status() == 403);
            assertThat(frames.closed.get(10, TimeUnit.SECONDS)).isNotNull();
            assertThat(log.lines()).anyMatch(line -> line.contains("Closing an upgraded connection")
                    && line.contains("the source ranges no longer admit 127.0.0.1"));
        }
    }

    @Test
    void aWebSocketStaysWhenOtherUsersChangeAndClosesWhenItsUsersPasswordDoes() throws Exception {
        int port = ((java.net.InetSocketAddress) pod.localAddress()).getPort();
        String basic = "nginx.ingress.kubernetes.io/";
        caravan.write("all.yaml", String.join("---\n", Manifests.ingressClass(), service(port, true),
                users("alice:{SHA}" + sha1("alice-pass")),
                Manifests.ingress("chat", "localhost", "/", "chat", Map.of(basic + "auth-type", "basic",
                        basic + "auth-secret", "users"))));
        await().atMost(Duration.ofSeconds(5)).until(() -> caravan.get("localhost", "/x").status() == 401);
        Frames frames = new Frames();
        WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                        "alice:alice-pass".getBytes(StandardCharsets.UTF_8)))
                .buildAsync(URI.create("ws://localhost:" + caravan.httpPort() + "/ws"), frames).join();
        assertThat(frames.next()).isEqualTo("hello from the pod");

        // another user: alice still passes what she passed
        caravan.write("all.yaml", String.join("---\n", Manifests.ingressClass(), service(port, true),
                users("alice:{SHA}" + sha1("alice-pass") + "\nbob:{SHA}" + sha1("bob-pass")),
                Manifests.ingress("chat", "localhost", "/", "chat", Map.of(basic + "auth-type", "basic",
                        basic + "auth-secret", "users")),
                Manifests.ingress("marker", "marker.localhost", "/", "chat")));
        await().atMost(Duration.ofSeconds(5)).until(() -> caravan.get("marker.localhost", "/x").status() == 200);
        Thread.sleep(2_000);
        socket.sendText("still in", true).join();
        assertThat(frames.next()).isEqualTo("echo: still in");

        // her password changed: what she passed is not what the path asks for now
        try (LogCapture log = new LogCapture(UpgradedConnections.class)) {
            caravan.write("all.yaml", String.join("---\n", Manifests.ingressClass(), service(port, true),
                    users("alice:{SHA}" + sha1("new-pass") + "\nbob:{SHA}" + sha1("bob-pass")),
                    Manifests.ingress("chat", "localhost", "/", "chat", Map.of(basic + "auth-type", "basic",
                            basic + "auth-secret", "users"))));
            assertThat(frames.closed.get(10, TimeUnit.SECONDS)).isNotNull();
            await().atMost(Duration.ofSeconds(5)).until(() -> log.lines().stream()
                    .anyMatch(line -> line.contains("its user alice was removed from the auth-secret")));
        }
    }

    private static String users(String htpasswd) {
        return """
                apiVersion: v1
                kind: Secret
                metadata:
                  name: users
                type: Opaque
                data:
                  auth: %s
                """.formatted(java.util.Base64.getEncoder().encodeToString(htpasswd.getBytes(StandardCharsets.UTF_8)));
    }

    private static String sha1(String password) throws Exception {
        return java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("SHA-1")
                .digest(password.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void anUpgradeThePodRefusesIsAnOrdinaryResponse() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("GET /not-ws HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
            RawHttp.Response response = http.read(false);
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.text()).isEqualTo("plain /not-ws");
            // and the connection goes on serving HTTP
            http.send("GET /again HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(http.read(false).text()).isEqualTo("plain /again");
        }
    }

    @Test
    void whatTheClientSendsBeforeThe101GoesIntoTheTunnel() throws Exception {
        // a masked text frame "early", in the same write as the upgrade request, before any answer
        byte[] mask = {1, 2, 3, 4};
        byte[] text = "early".getBytes(StandardCharsets.US_ASCII);
        byte[] frame = new byte[2 + 4 + text.length];
        frame[0] = (byte) 0x81;
        frame[1] = (byte) (0x80 | text.length);
        System.arraycopy(mask, 0, frame, 2, 4);
        for (int i = 0; i < text.length; i++) {
            frame[6 + i] = (byte) (text[i] ^ mask[i % 4]);
        }
        byte[] head = ("GET /ws HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] both = new byte[head.length + frame.length];
        System.arraycopy(head, 0, both, 0, head.length);
        System.arraycopy(frame, 0, both, head.length, frame.length);
        try (java.net.Socket client = new java.net.Socket("127.0.0.1", caravan.httpPort())) {
            client.setSoTimeout(5000);
            client.getOutputStream().write(both);
            java.io.InputStream in = client.getInputStream();
            StringBuilder received = new StringBuilder();
            byte[] buffer = new byte[4096];
            while (!received.toString().contains("echo: early")) {
                int n = in.read(buffer);
                assertThat(n).as("the pod's echo of the early frame, after %s", received).isPositive();
                received.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
            }
            assertThat(received.toString()).startsWith("HTTP/1.1 101 ");
        }
    }

    @Test
    void aRequestPipelinedBehindAnUpgradeThePodRefusesIsServed() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("GET /not-ws HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
                    + "GET /behind HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(http.read(false).text()).isEqualTo("plain /not-ws");
            assertThat(http.read(false).text()).isEqualTo("plain /behind");
        }
    }

    @Test
    void anH2cUpgradeIsServedAsPlainHttpNeverTunnelled() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("GET /h2c HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                    + "HTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n");
            RawHttp.Response response = http.read(false);
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.text()).isEqualTo("plain /h2c");
            http.send("GET /after HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(http.read(false).text()).as("still HTTP/1.1").isEqualTo("plain /after");
        }
    }

    private WebSocket connect(Frames frames) {
        return HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                .buildAsync(URI.create("ws://localhost:" + caravan.httpPort() + "/ws"), frames).join();
    }

    private static String service(int port, boolean ready) {
        return """
                apiVersion: v1
                kind: Service
                metadata:
                  name: chat
                spec:
                  ports:
                    - name: http
                      port: 80
                ---
                """ + Manifests.slice("chat-1", "chat", "127.0.0.2", port, ready);
    }

    /** What the client receives. */
    static final class Frames implements WebSocket.Listener {
        final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                texts.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(-1);
        }

        String next() throws InterruptedException {
            String text = texts.poll(5, TimeUnit.SECONDS);
            assertThat(text).as("a message within 5 s").isNotNull();
            return text;
        }
    }

    /** The pod's answer to anything but a WebSocket handshake on /ws. */
    static final class PlainHttp extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            ctx.writeAndFlush(TestBackend.text(HttpResponseStatus.OK, "plain " + request.uri()));
        }
    }

    /** The pod: greets on connect, echoes every text frame. */
    static final class EchoFrames extends SimpleChannelInboundHandler<TextWebSocketFrame> {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                ctx.writeAndFlush(new TextWebSocketFrame("hello from the pod"));
            }
            super.userEventTriggered(ctx, event);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
            ctx.writeAndFlush(new TextWebSocketFrame("echo: " + frame.text()));
        }
    }
}

package dev.caravan.tls;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.TestBackend;
import dev.caravan.testing.TestCertificates;
import dev.caravan.testing.TlsClient;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 requests proxied as HTTP/1.1 ones are: a GET ends with its HEADERS, so its response is timed
 * by proxy-read-timeout, never by the client body timeout, and it may be retried or intercepted.
 */
class Http2ProxyTest {

    private static final String NGINX = "nginx.ingress.kubernetes.io/";

    @TempDir
    static Path manifests;
    static TestBackend slow;
    static TestBackend unavailable;
    static TestBackend fine;
    static NioEventLoopGroup trickleGroup;
    static Channel trickle;
    static CaravanHarness caravan;
    static TestCertificates.Issued local = new TestCertificates().issue("localhost");
    static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        slow = TestBackend.start("127.0.0.2", "slow");
        slow.delay(2500);
        unavailable = TestBackend.start("127.0.0.3", "unavailable");
        unavailable.respond(request -> TestBackend.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "busy"));
        fine = TestBackend.start("127.0.0.4", "fine");
        trickleGroup = new NioEventLoopGroup(1);
        trickle = new ServerBootstrap().group(trickleGroup).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        channel.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536), new Trickle());
                    }
                }).bind("127.0.0.5", 0).sync().channel();
        int tricklePort = ((InetSocketAddress) trickle.localAddress()).getPort();
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), local.secret("local-tls"),
                Manifests.service("slow", slow), Manifests.service("flaky", unavailable, fine),
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: trickle\nspec:\n  ports:\n    - name: http\n      port: 80\n",
                Manifests.slice("trickle-1", "trickle", "127.0.0.5", tricklePort, true),
                Manifests.tlsIngress("slow", "localhost", "/slow", "slow", "localhost", "local-tls"),
                Manifests.ingress("trickle", "localhost", "/trickle", "trickle"),
                Manifests.ingress("retried", "localhost", "/retried", "flaky",
                        Map.of(NGINX + "proxy-next-upstream", "error timeout http_503"))));
        caravan = CaravanHarness.start(manifests, "--proxy-read-timeout", "1", "--client-body-timeout", "1");
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(TlsClient.trustAll())
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() throws Exception {
        caravan.close();
        slow.close();
        unavailable.close();
        fine.close();
        trickle.close().sync();
        trickleGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void aSilentPodGets504AfterTheReadTimeout() throws Exception {
        HttpResponse<String> response = get("/slow");
        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(response.statusCode()).isEqualTo(504);
    }

    @Test
    void aLongResponseIsNotCutByTheClientBodyTimeout() throws Exception {
        HttpResponse<String> response = get("/trickle");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("0123456");
    }

    @Test
    void aGetIsRetriedOnTheNextPodAsOverHttp1() throws Exception {
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> response = get("/retried");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("fine");
        }
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + caravan.httpsPort() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A pod whose answer takes 2.1 s to arrive whole, a piece every 300 ms: never silent for 1 s. */
    static final class Trickle extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            DefaultHttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            HttpUtil.setTransferEncodingChunked(response, true);
            ctx.writeAndFlush(response);
            for (int i = 0; i < 7; i++) {
                int piece = i;
                ctx.executor().schedule(() -> {
                    ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(Integer.toString(piece),
                            StandardCharsets.US_ASCII)));
                    if (piece == 6) {
                        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                    }
                }, 300L * (i + 1), TimeUnit.MILLISECONDS);
            }
        }
    }
}

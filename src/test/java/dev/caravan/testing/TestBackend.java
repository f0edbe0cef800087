package dev.caravan.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A real HTTP backend ("pod") on a loopback address, for tests: answers {@code 200 <name>} by default,
 * records what it received, and can be told to answer otherwise or late.
 */
public final class TestBackend implements AutoCloseable {

    /** One request as the backend saw it. */
    public record Seen(String method, String uri, HttpHeaders headers, int bodyLength, InetSocketAddress remote) {
    }

    private final String name;
    private final NioEventLoopGroup group = new NioEventLoopGroup(1);
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final Channel server;
    private volatile Function<FullHttpRequest, FullHttpResponse> responder;
    private volatile long delayMillis;

    private TestBackend(String ip, String name) throws InterruptedException {
        this(ip, name, null);
    }

    private TestBackend(String ip, String name, SslContext tls) throws InterruptedException {
        this(ip, name, tls, 0);
    }

    private TestBackend(String ip, String name, SslContext tls, int port) throws InterruptedException {
        this.name = name;
        this.responder = request -> text(HttpResponseStatus.OK, name);
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        if (tls != null) {
                            channel.pipeline().addLast(tls.newHandler(channel.alloc()));
                        }
                        channel.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(256 << 20),
                                new Handler());
                    }
                })
                .bind(ip, port).sync().channel();
    }

    public static TestBackend start(String ip, String name) throws InterruptedException {
        return new TestBackend(ip, name);
    }

    /** A backend on a given port: another address's backend's, as one DNS name's addresses all have it. */
    public static TestBackend start(String ip, String name, int port) throws InterruptedException {
        return new TestBackend(ip, name, null, port);
    }

    /** A backend that speaks HTTPS with a self-signed certificate. */
    public static TestBackend startTls(String ip, String name) throws Exception {
        SelfSignedCertificate certificate = new SelfSignedCertificate("pod.test");
        return new TestBackend(ip, name, SslContextBuilder.forServer(certificate.certificate(),
                certificate.privateKey()).build());
    }

    /** A backend that speaks HTTPS with the given certificate. */
    public static TestBackend startTls(String ip, String name, java.security.PrivateKey key,
            java.security.cert.X509Certificate... chain) throws Exception {
        return new TestBackend(ip, name, SslContextBuilder.forServer(key, chain).build());
    }

    public String ip() {
        return address().getAddress().getHostAddress();
    }

    public int port() {
        return address().getPort();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    public String name() {
        return name;
    }

    public List<Seen> seen() {
        return seen;
    }

    public Seen last() {
        return seen.get(seen.size() - 1);
    }

    public void respond(Function<FullHttpRequest, FullHttpResponse> responder) {
        this.responder = responder;
    }

    public void delay(long millis) {
        this.delayMillis = millis;
    }

    public static FullHttpResponse text(HttpResponseStatus status, String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
        HttpUtil.setContentLength(response, response.content().readableBytes());
        return response;
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // a client of the pod that broke off (Caravan giving up on a request): the test's business, not a log's
            ctx.close();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            seen.add(new Seen(request.method().name(), request.uri(), request.headers().copy(),
                    request.content().readableBytes(), (InetSocketAddress) ctx.channel().remoteAddress()));
            FullHttpResponse response = responder.apply(request);
            if (delayMillis > 0) {
                ctx.executor().schedule(() -> ctx.writeAndFlush(response), delayMillis, TimeUnit.MILLISECONDS);
            } else {
                ctx.writeAndFlush(response);
            }
        }
    }
}

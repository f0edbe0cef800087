package dev.caravan.upstream;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.LogCapture;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.ResourceLeakDetector;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pod may close an HTTP/2 stream before doing anything with it (RFC 9113 section 8.7): RST_STREAM
 * REFUSED_STREAM, or a GOAWAY whose last stream id is below it. Caravan then sends the request again, body
 * and all, whatever its method. The pod here is a bare Netty HTTP/2 server told what to do with each stream.
 */
class RefusedStreamsTest {

    enum Action { ANSWER, REFUSE_AT_HEADERS, REFUSE_AT_END, GO_AWAY_AT_HEADERS, RESET_AT_HEADERS, HOLD_THEN_GO_AWAY, BAD_STATUS }

    @TempDir
    Path manifests;
    EventLoopGroup group;
    CaravanHarness caravan;
    /** What the pod does with each new stream, in turn; once empty, it answers. */
    final ConcurrentLinkedQueue<Action> actions = new ConcurrentLinkedQueue<>();
    final AtomicInteger streams = new AtomicInteger();
    final Set<Channel> connections = ConcurrentHashMap.newKeySet();

    @BeforeEach
    void start() throws Exception {
        group = new NioEventLoopGroup(1);
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        connections.add(channel);
                        // one stream at a time: a second request waits for the first to end
                        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
                                .initialSettings(Http2Settings.defaultSettings().maxConcurrentStreams(1)).build();
                        channel.pipeline().addLast(codec);
                        channel.pipeline().addLast(new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                            @Override
                            protected void initChannel(Http2StreamChannel stream) {
                                stream.pipeline().addLast(new PodStream(codec));
                            }
                        }));
                    }
                }).bind(new InetSocketAddress("127.0.0.2", 0)).sync().channel();
        int port = ((InetSocketAddress) server.localAddress()).getPort();
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(),
                Manifests.service("pod"),
                Manifests.slice("pod-0", "pod", "127.0.0.2", port, true),
                Manifests.ingress("pod", "refusing.example.test", "/", "pod",
                        // a request waits for a stream at most this long
                        Map.of("nginx.ingress.kubernetes.io/backend-protocol", "GRPC",
                                "nginx.ingress.kubernetes.io/proxy-connect-timeout", "1"))));
        // one loop: every request shares one connection to the pod, and its stream limit
        caravan = CaravanHarness.start(manifests, "--event-loops", "1");
    }

    @AfterEach
    void stop() throws Exception {
        caravan.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void aStreamRefusedAtItsHeadersIsSentAgainWithItsWholeBody() throws Exception {
        actions.add(Action.REFUSE_AT_HEADERS);
        assertAnsweredOnTheSecondStream(20_000);
    }

    @Test
    void aStreamRefusedAfterItsWholeBodyIsSentAgainWhenTheBodyWasKept() throws Exception {
        actions.add(Action.REFUSE_AT_END);
        assertAnsweredOnTheSecondStream(RequestReplay.MAX_BYTES - 1000);
    }

    @Test
    void aBodyTooLargeToKeepIsNotSentAgain() throws Exception {
        actions.add(Action.REFUSE_AT_END);
        RawHttp.Response response = post(body(RequestReplay.MAX_BYTES + 1000));
        assertThat(response.status()).isEqualTo(502);
        assertThat(streams).hasValue(1);
        assertNothingKept();
    }

    @Test
    void aStreamAboveTheLastStreamIdOfAGoAwayGoesOnANewConnection() throws Exception {
        actions.add(Action.GO_AWAY_AT_HEADERS);
        assertAnsweredOnTheSecondStream(5_000);
        assertThat(connections).hasSize(2);
    }

    @Test
    void aRequestWaitingForAStreamWhenThePodGoesAwayGoesOnANewConnection() throws Exception {
        actions.add(Action.HOLD_THEN_GO_AWAY);
        byte[] first = body(1_000);
        CompletableFuture<RawHttp.Response> held = CompletableFuture.supplyAsync(() -> {
            try {
                return post(first);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (streams.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        // waits for the pod's one stream; meanwhile the pod says it goes away (after processing the first), and the
        // waiting request goes to a new connection at once
        byte[] second = body(2_000);
        RawHttp.Response response = post(second);
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(second);
        assertThat(held.get(10, TimeUnit.SECONDS).body()).isEqualTo(first);
        assertThat(connections).hasSize(2);
        assertNothingKept();
    }

    @Test
    void aPodThatKeepsRefusingGets502AfterThreeTries() throws Exception {
        for (int i = 0; i < 5; i++) {
            actions.add(Action.REFUSE_AT_HEADERS);
        }
        assertThat(post(body(100)).status()).isEqualTo(502);
        assertThat(streams).hasValue(3);
        assertNothingKept();
    }

    @Test
    void aStreamResetForAnotherReasonIsNotSentAgain() throws Exception {
        // the pod may have acted on it: a POST goes to a pod once
        actions.add(Action.RESET_AT_HEADERS);
        assertThat(post(body(100)).status()).isEqualTo(502);
        assertThat(streams).hasValue(1);
        assertNothingKept();
    }

    @Test
    void anAnswerWithoutAStatusIs502AndLeaksNothing() throws Exception {
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        try (LogCapture leaks = new LogCapture(ResourceLeakDetector.class)) {
            for (int i = 0; i < 20; i++) {
                actions.add(Action.BAD_STATUS);
                // Netty's conversion of such a head ending the stream took a buffer it never gave back
                assertThat(post(body(10)).status()).isEqualTo(502);
            }
            assertThat(streams).as("an answer that is no HTTP is not asked for again").hasValue(20);
            assertNothingKept();
            // a leak shows when its buffer has been collected and another buffer is tracked
            for (int i = 0; i < 3; i++) {
                System.gc();
                Thread.sleep(100);
                RawHttp.Response answered = post(body(10));
                assertThat(answered.status()).isEqualTo(200);
                assertThat(answered.header("x-http2-stream-id")).as("Netty's conversion header").isNull();
            }
            assertThat(leaks.lines()).noneMatch(line -> line.contains("LEAK"));
        } finally {
            ResourceLeakDetector.setLevel(level);
        }
    }

    /** A POST of {@code size} bytes gets its body echoed by the pod's second stream, the first one refused. */
    private void assertAnsweredOnTheSecondStream(int size) throws Exception {
        byte[] body = body(size);
        RawHttp.Response response = post(body);
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(body);
        assertThat(streams).hasValue(2);
        assertNothingKept();
    }

    private RawHttp.Response post(byte[] body) throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("POST /upload HTTP/1.1\r\nHost: refusing.example.test\r\nContent-Length: " + body.length
                    + "\r\n\r\n");
            http.send(body);
            return http.read(false);
        }
    }

    private static byte[] body(int size) {
        byte[] body = new byte[size];
        new Random(size).nextBytes(body);
        return body;
    }

    /** Nothing stays held once the requests are over (each call releases what it kept). */
    private static void assertNothingKept() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (RequestReplay.held() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(RequestReplay.held()).isZero();
    }

    /** One stream of the pod: does what the test said, or echoes the request body back. */
    private final class PodStream extends ChannelInboundHandlerAdapter {

        private final Http2FrameCodec codec;
        private Action action;
        private ByteBuf received;

        PodStream(Http2FrameCodec codec) {
            this.codec = codec;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2HeadersFrame headers) {
                    streams.incrementAndGet();
                    Action next = actions.poll();
                    action = next == null ? Action.ANSWER : next;
                    received = ctx.alloc().buffer();
                    switch (action) {
                        case REFUSE_AT_HEADERS -> ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM));
                        case RESET_AT_HEADERS -> ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.INTERNAL_ERROR));
                        case GO_AWAY_AT_HEADERS -> {
                            // shutting down: no stream was processed, this one included
                            Channel connection = ctx.channel().parent();
                            codec.goAway(connection.pipeline().context(codec), 0, Http2Error.NO_ERROR.code(),
                                    Unpooled.EMPTY_BUFFER, connection.newPromise());
                            connection.flush();
                        }
                        default -> { }
                    }
                    if (headers.isEndStream()) {
                        ended(ctx);
                    }
                } else if (msg instanceof Http2DataFrame data) {
                    if (received != null) {
                        received.writeBytes(data.content());
                    }
                    if (data.isEndStream()) {
                        ended(ctx);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void ended(ChannelHandlerContext ctx) {
            if (action == Action.HOLD_THEN_GO_AWAY) {
                Channel connection = ctx.channel().parent();
                int id = ((Http2StreamChannel) ctx.channel()).stream().id();
                ctx.executor().schedule(() -> {
                    codec.goAway(connection.pipeline().context(codec), id, Http2Error.NO_ERROR.code(),
                            Unpooled.EMPTY_BUFFER, connection.newPromise());
                    connection.flush();
                }, 400, TimeUnit.MILLISECONDS);
                // past the waiting request's proxy-connect-timeout: it must not wait for this stream to end
                ctx.executor().schedule(() -> answer(ctx), 2000, TimeUnit.MILLISECONDS);
            } else if (action == Action.REFUSE_AT_END) {
                ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM));
            } else if (action == Action.ANSWER) {
                answer(ctx);
            } else if (action == Action.BAD_STATUS) {
                // a status that is none, 101 (not in HTTP/2), or none at all
                DefaultHttp2Headers head = new DefaultHttp2Headers();
                switch (streams.get() % 3) {
                    case 0 -> head.status("2x0");
                    case 1 -> head.status("101");
                    default -> head.add("x-no-status", "1");
                }
                ctx.writeAndFlush(new DefaultHttp2HeadersFrame(head, true));
            }
        }

        private void answer(ChannelHandlerContext ctx) {
            ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
                    .setInt("content-length", received.readableBytes())));
            ctx.writeAndFlush(new DefaultHttp2DataFrame(received.retain(), true));
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (received != null) {
                received.release();
            }
            ctx.fireChannelInactive();
        }
    }
}

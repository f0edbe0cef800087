package dev.caravan.upstream;

import dev.caravan.upstream.UpstreamClient.Target;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;

/**
 * HTTP/2 to pods for one event loop: one connection per pod and TLS setting — h2c with prior knowledge
 * ({@code backend-protocol: GRPC}, as gRPC servers listen) or TLS with ALPN {@code h2} ({@code GRPCS}) — shared by
 * every request on this loop as a stream of its own. A stream
 * looks to the proxy call like a fresh HTTP/1.1 connection — Netty's HTTP/2-to-HTTP object codec in front of
 * the same {@link PodConnection} — and is closed, never pooled, once its exchange is over. An idle
 * connection without streams closes after the pool's idle timeout; a gone one is forgotten.
 */
final class Http2Connections {

    private static final AttributeKey<Target> TARGET = AttributeKey.valueOf("caravan.upstream.h2-target");

    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final long idleMillis;
    /** Connected or connecting, by pod and TLS ({@code null}: h2c). */
    private final Map<Target, Future<Channel>> connections = new HashMap<>();

    Http2Connections(EventLoop loop, Duration connectTimeout, Duration idleTimeout) {
        this.loop = loop;
        this.idleMillis = idleTimeout.toMillis();
        bootstrap = UpstreamClient.podBootstrap(loop, connectTimeout)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        Target target = channel.attr(TARGET).get();
                        if (target.tls() != null) {
                            channel.pipeline().addLast("tls", target.tls().handler(channel, target.endpoint()));
                        }
                        Http2FrameCodec codec = Http2FrameCodecBuilder.forClient().build();
                        channel.pipeline().addLast("h2", codec);
                        // pods push nothing Caravan asked for: streams they open are refused
                        channel.pipeline().addLast("streams", new Http2MultiplexHandler(new RefusedStreams()));
                        channel.pipeline().addLast("pod-streams", new PodStreams(codec, channel.eventLoop().newPromise()));
                        channel.pipeline().addLast("idle", new IdleStateHandler(0, 0, idleMillis, TimeUnit.MILLISECONDS));
                        channel.pipeline().addLast("idle-close", new CloseWhenIdle(codec));
                    }
                });
    }

    /**
     * A new stream to {@code endpoint}, on its connection (made now if there is none). Call on the loop.
     *
     * @param tls how the pod is spoken to in TLS, or {@code null} for h2c
     */
    Future<Channel> openStream(InetSocketAddress endpoint, UpstreamTls tls, Duration connectTimeout) {
        Promise<Channel> stream = loop.newPromise();
        // an HTTP/2 pod's header list is limited by the codec's settings, not by the route
        openStream(new Target(endpoint, tls, UpstreamClient.MAX_RESPONSE_HEAD), connectTimeout, stream, false);
        return stream;
    }

    /** @param again whether this is the second connection tried for the stream, the first having gone away */
    private void openStream(Target target, Duration connectTimeout, Promise<Channel> stream, boolean again) {
        Future<Channel> connection = connections.get(target);
        if (connection == null || connection.isDone() && (!connection.isSuccess() || !connection.getNow().isActive()
                || streams(connection.getNow()).goingAway())) {
            connection = connect(target, connectTimeout);
        }
        connection.addListener(connected -> {
            if (!connected.isSuccess()) {
                stream.tryFailure(connected.cause());
                return;
            }
            Channel parent = (Channel) connected.getNow();
            PodStreams streams = streams(parent);
            if (streams == null) {
                stream.tryFailure(new ClosedChannelException());
                return;
            }
            // beyond the pod's SETTINGS_MAX_CONCURRENT_STREAMS a request waits for a stream to end, as one
            // waits for a pooled HTTP/1.1 connection, instead of being refused with 502
            streams.acquire(stream, connectTimeout.toMillis(), slots -> {
                if (!slots.goingAway()) {
                    open(parent, target, stream, slots);
                    return;
                }
                // the pod sent GOAWAY while the request waited for a stream: HTTP/2 opens none after it
                slots.released();
                if (again) {
                    stream.tryFailure(new StreamRefused(target.endpoint()));
                } else {
                    openStream(target, connectTimeout, stream, true);
                }
            });
        });
    }

    private static PodStreams streams(Channel connection) {
        return connection.pipeline().get(PodStreams.class);
    }

    private static void open(Channel parent, Target target, Promise<Channel> stream, PodStreams slots) {
        new Http2StreamChannelBootstrap(parent).handler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel channel) {
                channel.pipeline().addLast("head", new PodResponseHead());
                channel.pipeline().addLast("codec", new Http2StreamFrameToHttpObjectCodec(false));
                channel.pipeline().addLast("responses", SplitResponses.INSTANCE);
                // a stream serves one exchange and is never pooled
                channel.pipeline().addLast("upstream", new PodConnection(target, 0));
            }
        }).open().addListener(opened -> {
            if (!opened.isSuccess()) {
                slots.released();
                stream.tryFailure(opened.cause());
                return;
            }
            Channel child = (Channel) opened.getNow();
            child.closeFuture().addListener(closed -> slots.released());
            if (!stream.trySuccess(child)) {
                child.close();
            }
        });
    }

    private Future<Channel> connect(Target target, Duration connectTimeout) {
        Promise<Channel> connection = loop.newPromise();
        connections.put(target, connection);
        Bootstrap connector = bootstrap.clone().attr(TARGET, target)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis());
        var connect = connector.connect(target.endpoint());
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                forget(target, connection);
                connection.setFailure(f.cause());
                return;
            }
            Channel channel = connect.channel();
            channel.closeFuture().addListener(closed -> {
                forget(target, connection);
                connection.tryFailure(new ClosedChannelException());
            });
            // the pod's SETTINGS say how many streams it takes; until they arrive HTTP/2 sets no limit, and
            // streams opened at once on a new connection would be refused past it
            Future<Void> settings = streams(channel).settingsReceived();
            var silence = loop.schedule(() -> {
                if (connection.tryFailure(new ConnectTimeoutException("no SETTINGS from " + target.endpoint()
                        + " within " + connectTimeout.toMillis() + " ms"))) {
                    channel.close();
                }
            }, connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
            connection.addListener(done -> silence.cancel(false));
            SslHandler tls = channel.pipeline().get(SslHandler.class);
            if (tls == null) {
                settings.addListener(received -> connection.trySuccess(channel));
                return;
            }
            tls.handshakeFuture().addListener(handshake -> {
                if (!handshake.isSuccess()) {
                    connection.tryFailure(handshake.cause());
                    channel.close();
                } else if (!ApplicationProtocolNames.HTTP_2.equals(tls.applicationProtocol())) {
                    connection.tryFailure(new SSLHandshakeException("the pod did not agree to h2 by ALPN"));
                    channel.close();
                } else {
                    settings.addListener(received -> connection.trySuccess(channel));
                }
            });
        });
        return connection;
    }

    private void forget(Target target, Future<Channel> connection) {
        connections.remove(target, connection);
    }

    /** Closes a pod's connection that has been idle with no stream open. */
    private static final class CloseWhenIdle extends ChannelInboundHandlerAdapter {

        private final Http2FrameCodec codec;

        CloseWhenIdle(Http2FrameCodec codec) {
            this.codec = codec;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof IdleStateEvent && codec.connection().numActiveStreams() == 0) {
                ctx.close();
                return;
            }
            ctx.fireUserEventTriggered(event);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // the pod's connection broke: its streams learn of it, and the next request connects anew
            ctx.close();
        }
    }

    @ChannelHandler.Sharable
    private static final class RefusedStreams extends ChannelInboundHandlerAdapter {

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }

    /**
     * A response the pod ended in its HEADERS frame arrives whole; the proxy call reads a head, then its end,
     * as from any pod. gRPC sends its errors so ("trailers-only"): their status fields go to the trailers,
     * which is how a gRPC client reads them when a head came first.
     */
    @ChannelHandler.Sharable
    static final class SplitResponses extends ChannelInboundHandlerAdapter {

        static final SplitResponses INSTANCE = new SplitResponses();
        private static final String[] GRPC_STATUS = {"grpc-status", "grpc-message", "grpc-status-details-bin"};

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpResponse head) {
                // the stream id and the like Netty's conversion adds mean nothing to a client
                for (HttpConversionUtil.ExtensionHeaderNames name : HttpConversionUtil.ExtensionHeaderNames.values()) {
                    head.headers().remove(name.text());
                }
            }
            if (msg instanceof FullHttpResponse whole) {
                HttpHeaders trailers = whole.trailingHeaders();
                if (!whole.content().isReadable() && whole.headers().contains(GRPC_STATUS[0])) {
                    trailers = new DefaultHttpHeaders();
                    for (String name : GRPC_STATUS) {
                        for (String value : whole.headers().getAll(name)) {
                            trailers.add(name, value);
                        }
                        whole.headers().remove(name);
                    }
                }
                ctx.fireChannelRead(new DefaultHttpResponse(whole.protocolVersion(), whole.status(), whole.headers()));
                ctx.fireChannelRead(new DefaultLastHttpContent(whole.content(), trailers));
                return;
            }
            ctx.fireChannelRead(msg);
        }
    }
}

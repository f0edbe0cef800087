package dev.caravan.gateway;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2LocalFlowController;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The connection-level duties of an HTTP/2 client connection, whose requests are served on its stream
 * channels: it counts among the listener's open connections; it closes (GOAWAY, letting open streams
 * finish) when the listener drains, when no stream has opened within the header timeout, or when it
 * has had no stream for the keep-alive timeout — PINGs and other frames do not keep it open.
 */
final class Http2Connection extends ChannelInboundHandlerAdapter {

    private static final long CHECK_MILLIS = 1000;

    private final ClientConnections connections;
    private final long headerTimeoutNanos;
    private final long keepAliveNanos;
    private final int receiveWindow;
    private final ClientProtocolFailures failures;
    private ChannelHandlerContext ctx;
    /** At most the concurrent-stream limit. */
    private final Set<Channel> openStreams = new HashSet<>();
    private boolean anyStream;
    private long lastChange = System.nanoTime();
    private ScheduledFuture<?> check;

    /** @param receiveWindow the connection's receive window, in bytes */
    Http2Connection(ClientConnections connections, Duration headerTimeout, Duration keepAlive, int receiveWindow,
            ClientProtocolFailures failures) {
        this.receiveWindow = receiveWindow;
        this.failures = failures;
        this.connections = connections;
        this.headerTimeoutNanos = headerTimeout.toNanos();
        this.keepAliveNanos = keepAlive.toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Http2Exception {
        this.ctx = ctx;
        connections.add(ctx.channel());
        check = ctx.executor().scheduleAtFixedRate(this::closeIfIdle, CHECK_MILLIS, CHECK_MILLIS, TimeUnit.MILLISECONDS);
        widenConnectionWindow(ctx);
        if (connections.draining()) {
            // made while the listener drains: GOAWAY before any stream, which the client retries elsewhere
            ctx.channel().eventLoop().execute(ctx::close);
        }
    }

    /**
     * The connection is gone: its streams close now. A stream holding request bytes its pod has not taken
     * yet would otherwise stay open, with its pod connection and those bytes, until the proxy read timeout.
     */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        for (Channel stream : List.copyOf(openStreams)) {
            stream.close();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        check.cancel(false);
    }

    /**
     * Netty opens the connection's receive window to twice a stream's, and a stream's unread bytes hold it:
     * two uploads stalled at a slow pod would stop every other stream of the connection. A window of
     * several streams' keeps the others going and still bounds what one connection holds.
     */
    private void widenConnectionWindow(ChannelHandlerContext ctx) throws Http2Exception {
        Http2FrameCodec codec = ctx.pipeline().get(Http2FrameCodec.class);
        Http2Stream connection = codec.connection().connectionStream();
        Http2LocalFlowController flow = codec.connection().local().flowController();
        int missing = receiveWindow - flow.windowSize(connection);
        if (missing > 0) {
            flow.incrementWindowSize(connection, missing);
            ctx.flush();
        }
    }

    /** A stream opened on this connection; called on its event loop. */
    void streamOpened(Channel stream) {
        openStreams.add(stream);
        anyStream = true;
        lastChange = System.nanoTime();
        stream.closeFuture().addListener(closed -> {
            openStreams.remove(stream);
            lastChange = System.nanoTime();
        });
    }

    private void closeIfIdle() {
        long quiet = System.nanoTime() - lastChange;
        if (openStreams.isEmpty() && quiet > (anyStream ? keepAliveNanos : headerTimeoutNanos) && ctx.channel().isActive()) {
            ctx.close();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event == GatewayHandler.DRAIN) {
            // the frame codec's close is graceful: GOAWAY, then the open streams get the drain timeout to end
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // resets and protocol errors of a client's connection; the codec ends the connection with a protocol error's
        // code, and the multiplexer passes only the connection's errors on to here
        Http2Exception error = Http2CodecUtil.getEmbeddedHttp2Exception(cause);
        if (error != null && !(error instanceof Http2Exception.StreamException)) {
            failures.http2ConnectionError(error.error());
        }
        ClientFailures.INSTANCE.exceptionCaught(ctx, cause);
    }
}

package dev.caravan.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The streams of one HTTP/2 connection to a pod: when its first SETTINGS arrived, how many streams Caravan has
 * open on it, and the requests waiting for one while the pod's {@code SETTINGS_MAX_CONCURRENT_STREAMS} are all
 * taken. Caravan holds a request back itself rather than letting Netty buffer its HEADERS: a buffered stream
 * whose request was given up (client gone, timeout) would still be sent once a stream frees. A request waits
 * at most the connect timeout, then fails as a connection would. Used on the connection's loop only.
 */
final class PodStreams extends ChannelInboundHandlerAdapter {

    private record Waiter(Promise<Channel> stream, Consumer<PodStreams> open, ScheduledFuture<?> timeout) {
    }

    private final Http2FrameCodec codec;
    private final Promise<Void> settings;
    private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private int open;
    /** Set when a GOAWAY frame arrives, which is before Netty's connection records it. */
    private boolean goneAway;

    PodStreams(Http2FrameCodec codec, Promise<Void> settings) {
        this.codec = codec;
        this.settings = settings;
    }

    /** Completes once the pod's first SETTINGS frame has been read (its limits are then in force). */
    Future<Void> settingsReceived() {
        return settings;
    }

    /** Whether the pod said it is going away: new requests need a new connection. */
    boolean goingAway() {
        return goneAway || codec.connection().goAwayReceived();
    }

    /**
     * Runs {@code open} now if the pod takes another stream, else once one of this connection's streams ends;
     * {@code open} must open the stream and call {@link #released()} when it ends (or failed to open). A request
     * still waiting after {@code timeoutMillis} fails {@code stream} with a {@link ConnectTimeoutException}.
     */
    void acquire(Promise<Channel> stream, long timeoutMillis, Consumer<PodStreams> open) {
        if (waiting.isEmpty() && free()) {
            this.open++;
            open.accept(this);
            return;
        }
        ScheduledFuture<?> timeout = ctx.executor().schedule(() -> {
            if (waiting.removeIf(waiter -> waiter.stream() == stream)) {
                stream.tryFailure(new ConnectTimeoutException("no free stream on " + ctx.channel().remoteAddress()
                        + " (the pod takes " + limit() + ") within " + timeoutMillis + " ms"));
            }
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        waiting.add(new Waiter(stream, open, timeout));
    }

    /** One of the streams opened through {@link #acquire} ended: a waiting request may have it. */
    void released() {
        open--;
        // Netty closes a stream after handing on its last frame, which is when a stream's exchange ends: the
        // next one may open once that is done
        ctx.executor().execute(this::admit);
    }

    /** Lets waiting requests have streams; once the pod is going away, all of them, to go elsewhere. */
    private void admit() {
        while (!waiting.isEmpty() && (goingAway() || free())) {
            Waiter next = waiting.poll();
            next.timeout().cancel(false);
            if (!next.stream().isDone()) {
                open++;
                next.open().accept(this);
            }
        }
    }

    /** Whether another stream may open: by Caravan's count, and by Netty's, which lags when a stream ends. */
    private boolean free() {
        return Math.max(open, codec.connection().local().numActiveStreams()) < limit();
    }

    private int limit() {
        // the pod's SETTINGS_MAX_CONCURRENT_STREAMS, which limits the streams this side opens
        return codec.connection().local().maxActiveStreams();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2SettingsFrame) {
            settings.trySuccess(null);
            // a raised limit lets waiting requests in
            admit();
        } else if (msg instanceof Http2GoAwayFrame) {
            goneAway = true;
            // no stream opens here any more: the waiting requests go now, each to a new connection
            ctx.executor().execute(this::admit);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        settings.tryFailure(new ClosedChannelException());
        for (Waiter waiter : waiting) {
            waiter.timeout().cancel(false);
            waiter.stream().tryFailure(new ClosedChannelException());
        }
        waiting.clear();
        ctx.fireChannelInactive();
    }
}

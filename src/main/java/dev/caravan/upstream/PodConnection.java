package dev.caravan.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a connection to a pod (HTTP/1.1) or of a stream on one (HTTP/2), and what Caravan
 * knows of it: the call that owns it now, how many exchanges it served, and, while pooled, since when it
 * has been idle. Hands what the pod sends to the owning call; closes a pooled connection that sends
 * anything, and one idle for the pool's idle timeout.
 *
 * <p>One timer serves both the pool's idle timeout and the owning call's read timeout (proxy-read-timeout),
 * which the call checks when it fires. It is left running across requests and checked, not set and
 * cancelled per request: a busy connection costs one timer per timeout, and reads and writes are not
 * watched at all. It is set again only to fire sooner than it would.
 */
final class PodConnection extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(PodConnection.class);
    private static final AttributeKey<PodConnection> KEY = AttributeKey.valueOf("caravan.upstream.connection");

    private final UpstreamClient.Target target;
    /** {@code 0}: never pooled (an HTTP/2 stream). */
    private final long idleTimeoutNanos;
    private Channel channel;
    private ProxyCall call;
    /** The HTTP/1.1 response decoder; {@code null} on an HTTP/2 stream. */
    private UpstreamResponseDecoder decoder;
    private int uses;
    /** Whether the pod refused this HTTP/2 stream before doing anything with it. */
    private boolean refused;
    private long idleSince;
    private ScheduledFuture<?> timer;
    /** When {@link #timer} fires, as {@link System#nanoTime()} counts. */
    private long timerDue;

    PodConnection(UpstreamClient.Target target, long idleTimeoutNanos) {
        this.target = target;
        this.idleTimeoutNanos = idleTimeoutNanos;
    }

    /** The connection's own, set as its pipeline is built. */
    static PodConnection of(Channel channel) {
        return channel.attr(KEY).get();
    }

    UpstreamClient.Target target() {
        return target;
    }

    /** Exchanges completed on this connection. */
    int uses() {
        return uses;
    }

    void decoder(UpstreamResponseDecoder decoder) {
        this.decoder = decoder;
    }

    /** Whether the pod sent nothing beyond the response just ended: else the connection is not reused. */
    boolean sentNoMore() {
        return decoder == null || !decoder.holdsUnreadBytes();
    }

    /** An HTTP/2 stream whose HEADERS never went out: the pod saw nothing of it. */
    void refused() {
        refused = true;
    }

    /** The call the connection serves now, or {@code null}. */
    ProxyCall call() {
        return call;
    }

    /** From now on what the pod sends goes to {@code call} ({@code null}: to no one). */
    void attach(ProxyCall call) {
        this.call = call;
    }

    /** An exchange completed cleanly and the connection goes to the pool, idle from now. */
    void pooled() {
        uses++;
        call = null;
        idleSince = System.nanoTime();
        if (idleTimeoutNanos > 0) {
            checkBy(idleSince, idleTimeoutNanos);
        }
    }

    /** The owning call waits for the pod from {@code now}: its read timeout is checked within {@code timeoutNanos}. */
    void watchReads(long now, long timeoutNanos) {
        checkBy(now, timeoutNanos);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        channel.attr(KEY).set(this);
    }

    /**
     * On close, and when a byte relay replaces the handler for an upgrade: its idle timer must not close a
     * tunnel.
     */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /** Makes the timer fire by {@code now + delayNanos}; one that fires sooner is left as it is. */
    private void checkBy(long now, long delayNanos) {
        long due = now + delayNanos;
        if (timer != null) {
            if (timerDue - due <= 0) {
                return;
            }
            timer.cancel(false);
        }
        timerDue = due;
        timer = channel.eventLoop().schedule(this::check, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void check() {
        timer = null;
        if (!channel.isActive()) {
            return;
        }
        long now = System.nanoTime();
        if (call != null) {
            // in use: set again while the call waits for the pod, and when the connection returns to the pool
            long left = call.readTimeLeft(now);
            if (left > 0) {
                checkBy(now, left);
            }
            return;
        }
        if (idleTimeoutNanos == 0) {
            // an HTTP/2 stream is never pooled
            return;
        }
        long idle = now - idleSince;
        if (idle >= idleTimeoutNanos) {
            channel.close();
        } else {
            checkBy(now, idleTimeoutNanos - idle);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (call != null && msg instanceof HttpObject http) {
            call.upstreamRead(ctx.channel(), http);
        } else {
            // an idle pooled connection has nothing to say; whatever it sent cannot belong to a request
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (call != null) {
            call.upstreamReadComplete(ctx.channel());
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (call != null) {
            call.upstreamWritabilityChanged(ctx.channel());
        }
        ctx.fireChannelWritabilityChanged();
    }

    /**
     * An HTTP/2 stream's reset and the connection's GOAWAY arrive as events, before the stream closes. The
     * stream was not processed if the pod refused it, or if the GOAWAY reaches it: Netty passes a GOAWAY on
     * only to the streams above its last stream id.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof Http2ResetFrame reset) {
            refused |= reset.errorCode() == Http2Error.REFUSED_STREAM.code();
        } else if (event instanceof Http2GoAwayFrame goAway) {
            refused = true;
            goAway.release();
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (call != null) {
            call.upstreamClosed(ctx.channel(), refused ? new StreamRefused(target.endpoint()) : null);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (call != null) {
            call.upstreamClosed(ctx.channel(), cause);
        } else if (!(cause instanceof IOException)) {
            LOG.warn("Closing upstream connection {}", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}

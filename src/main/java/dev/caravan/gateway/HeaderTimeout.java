package dev.caravan.gateway;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * nginx's {@code client_header_timeout}: a request head must arrive whole within the timeout, counted
 * from the connection's start (first request) or from its first byte (later ones), however slowly its
 * bytes trickle in. Sits before the HTTP codec and sees raw bytes; the gateway says when a head has
 * arrived and when the next one is due. On expiry it fires {@link #EXPIRED} for the gateway to answer
 * 408 (or, with nothing received, to close). The timer is not set and cancelled per request: it
 * stays scheduled, and when it fires before the head in hand is due it is set again for that head's deadline.
 */
final class HeaderTimeout extends ChannelInboundHandlerAdapter {

    /** The user event of an expired header timeout. */
    static final Object EXPIRED = new Object();

    private final long timeoutNanos;
    private ChannelHandlerContext ctx;
    private boolean awaitingHead = true;
    private boolean bytesSeen;
    /** Whether a head is being timed, due at {@link #deadline} ({@link System#nanoTime()}). */
    private boolean timing;
    private long deadline;
    private ScheduledFuture<?> timer;

    HeaderTimeout(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            start();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!timing) {
            start();
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (awaitingHead) {
            bytesSeen = true;
            if (!timing) {
                start();
            }
        }
        ctx.fireChannelRead(msg);
    }

    /** The gateway got a whole request head: its body and the response are timed otherwise. */
    void headReceived() {
        awaitingHead = false;
        bytesSeen = false;
        timing = false;
    }

    /** The gateway waits for the next request: its head is timed from its first byte. */
    void expectHead() {
        awaitingHead = true;
        bytesSeen = false;
    }

    /** Whether part of a head had arrived when the timeout expired. */
    boolean partialHead() {
        return bytesSeen;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    private void start() {
        timing = true;
        deadline = System.nanoTime() + timeoutNanos;
        if (timer == null) {
            schedule(timeoutNanos);
        }
    }

    private void schedule(long delayNanos) {
        timer = ctx.executor().schedule(this::expire, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void expire() {
        timer = null;
        if (!timing) {
            return;
        }
        long left = deadline - System.nanoTime();
        if (left > 0) {
            schedule(left);
            return;
        }
        timing = false;
        if (awaitingHead && ctx.channel().isActive()) {
            ctx.pipeline().fireUserEventTriggered(EXPIRED);
        }
    }

    private void cancel() {
        timing = false;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}

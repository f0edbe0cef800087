package dev.caravan.gateway;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The timeouts of an HTTP/1 client connection, in one pipeline stage because every read and write
 * passes them: Netty's idle timers (reader idle: {@code client_body_timeout}; writer idle, output moving
 * counting as activity: the send timeout; all idle: {@code keepalive_timeout}), and nginx's
 * {@code client_header_timeout}. A request head must arrive whole within that one, counted from the
 * connection's start (first request) or from its first byte (later ones), however slowly its bytes
 * trickle in. This stage sits before the HTTP codec and sees raw bytes; the gateway says when a head has
 * arrived and when the next one is due. On expiry it fires {@link #EXPIRED} for the gateway to answer
 * 408 (or, with nothing received, to close). The timer is not set and cancelled per request: it
 * stays scheduled, and when it fires before the head in hand is due it is set again for that head's deadline.
 */
final class ClientTimeouts extends IdleStateHandler {

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

    ClientTimeouts(Duration body, Duration send, Duration keepAlive, Duration header) {
        super(true, body.toMillis(), send.toMillis(), keepAlive.toMillis(), TimeUnit.MILLISECONDS);
        this.timeoutNanos = header.toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            start();
        }
        super.handlerAdded(ctx);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (!timing) {
            start();
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (awaitingHead) {
            bytesSeen = true;
            if (!timing) {
                start();
            }
        }
        super.channelRead(ctx, msg);
    }

    /** The gateway got a whole request head: its body and the response are timed otherwise. */
    void headReceived() {
        awaitingHead = false;
        bytesSeen = false;
        timing = false;
    }

    /**
     * The gateway waits for the next request: its head is timed from its first byte, or from now if
     * {@code begun}, some of it having come with the request before.
     */
    void expectHead(boolean begun) {
        awaitingHead = true;
        bytesSeen = begun;
        if (begun && !timing) {
            start();
        }
    }

    /** Whether part of a head had arrived when the timeout expired. */
    boolean partialHead() {
        return bytesSeen;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancel();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
        cancel();
        super.handlerRemoved(ctx);
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

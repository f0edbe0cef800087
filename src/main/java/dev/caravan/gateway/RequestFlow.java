package dev.caravan.gateway;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Hands the gateway one decoded message per read it asks for, as Netty's {@code FlowControlHandler}
 * does: one socket read can decode many messages (pipelined requests, a head with its body), and the
 * rest wait here until the gateway is ready for them. A message the gateway is waiting for goes straight
 * through without being queued.
 *
 * <p>With read-ahead (HTTP/1 connections), once a request has ended a socket read stays asked for while
 * the gateway serves it. Without one, the epoll channel switches its read interest off after every
 * request and on again for the next, two {@code epoll_ctl} system calls per request. What that read
 * brings (the client's next request, when it pipelines) waits here like any other early message, so at
 * most one socket read more is held than without read-ahead.
 */
final class RequestFlow extends ChannelDuplexHandler {

    private final boolean readAhead;
    /** Messages decoded before the gateway asked for them; made when first needed. */
    private ArrayDeque<Object> waiting;
    /** Whether the gateway asked for a message that has not come yet. */
    private boolean asked;
    /** Whether the connection is in its lingering close: nothing more goes to the gateway. */
    private boolean lingering;

    RequestFlow(boolean readAhead) {
        this.readAhead = readAhead;
    }

    /**
     * The connection's lingering close drains the client: what was decoded ahead of the answer, or is decoded as the
     * connection closes, is no request of anyone's (neither served nor logged); reads go on to the socket.
     */
    void linger() {
        lingering = true;
        releaseWaiting();
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (lingering) {
            releaseWaiting();
            ctx.read();
            return;
        }
        Object next = waiting == null ? null : waiting.poll();
        if (next == null) {
            asked = true;
            ctx.read();
            return;
        }
        deliver(ctx, next);
        if (waiting != null && waiting.isEmpty()) {
            // what waited is all handed over: to the gateway, a read has completed
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (lingering) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (asked && (waiting == null || waiting.isEmpty())) {
            asked = false;
            deliver(ctx, msg);
            return;
        }
        if (waiting == null) {
            waiting = new ArrayDeque<>(4);
        }
        waiting.add(msg);
    }

    private void deliver(ChannelHandlerContext ctx, Object msg) {
        boolean ends = readAhead && endsRequest(msg);
        ctx.fireChannelRead(msg);
        if (ends && !asked && (waiting == null || waiting.isEmpty()) && ctx.channel().isActive()) {
            ctx.read();
        }
    }

    private static boolean endsRequest(Object msg) {
        return msg instanceof LastHttpContent || msg instanceof DecodedRequest request && request.bodiless();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // completions of reads whose messages still wait mean nothing behind this stage
        if (waiting == null || waiting.isEmpty()) {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseWaiting();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        // the connection stopped being HTTP (an upgrade): requests decoded ahead of it are void
        releaseWaiting();
    }

    private void releaseWaiting() {
        if (waiting != null) {
            Object msg;
            while ((msg = waiting.poll()) != null) {
                ReferenceCountUtil.release(msg);
            }
        }
    }
}

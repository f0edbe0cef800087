package dev.caravan.gateway;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * The connection-level duties of an HTTP/2 client connection, whose requests are served on its stream
 * channels: it counts among the listener's open connections, and closes (with GOAWAY, letting its
 * streams finish) when the listener drains or when it has been idle for the keep-alive timeout.
 */
final class Http2Connection extends ChannelInboundHandlerAdapter {

    private final ChannelGroup connections;

    Http2Connection(ChannelGroup connections) {
        this.connections = connections;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        connections.add(ctx.channel());
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event == GatewayHandler.DRAIN || event instanceof IdleStateEvent idle
                && idle.state() == IdleState.ALL_IDLE && ctx.pipeline().get(Http2FrameCodec.class) != null
                && ctx.pipeline().get(Http2FrameCodec.class).connection().numActiveStreams() == 0) {
            // the frame codec's close is graceful: GOAWAY, then the open streams get the drain timeout to end
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // resets and protocol errors of a client's connection
        ClientFailures.INSTANCE.exceptionCaught(ctx, cause);
    }
}

package dev.caravan.upstream;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of every upstream connection: hands what the pod sends to the call that owns the
 * connection, and closes a pooled connection that nobody owns when it idles or sends anything.
 */
@Sharable
final class UpstreamHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(UpstreamHandler.class);

    static final UpstreamHandler INSTANCE = new UpstreamHandler();
    static final AttributeKey<ProxyCall> CALL = AttributeKey.valueOf("caravan.upstream.call");

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ProxyCall call = ctx.channel().attr(CALL).get();
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
        ProxyCall call = ctx.channel().attr(CALL).get();
        if (call != null) {
            call.upstreamReadComplete(ctx.channel());
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ProxyCall call = ctx.channel().attr(CALL).get();
        if (call != null) {
            call.upstreamWritabilityChanged(ctx.channel());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ProxyCall call = ctx.channel().attr(CALL).get();
        if (call != null) {
            call.upstreamClosed(ctx.channel(), null);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent && ctx.channel().attr(CALL).get() == null) {
            ctx.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ProxyCall call = ctx.channel().attr(CALL).get();
        if (call != null) {
            call.upstreamClosed(ctx.channel(), cause);
        } else if (!(cause instanceof IOException)) {
            LOG.warn("Closing upstream connection {}", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}

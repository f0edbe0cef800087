package dev.caravan.admin;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;

/**
 * Gives an HTTP/1.0 request without Host the admin port's address as one: Camel's HTTP consumer answers 400 to a
 * request without Host, which HTTP/1.0 allows and load balancers' default health checks send (HAProxy's
 * {@code option httpchk}). Placed after the HTTP decoder of the admin port's pipeline.
 */
@ChannelHandler.Sharable
final class HostlessRequests extends ChannelInboundHandlerAdapter {

    /** Its name in Camel's registry, as the admin endpoints' {@code decoders} name it. */
    static final String NAME = "caravanHostlessRequests";

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request && !request.headers().contains(HttpHeaderNames.HOST)
                && ctx.channel().localAddress() instanceof InetSocketAddress local) {
            request.headers().set(HttpHeaderNames.HOST, NetUtil.toSocketAddressString(local));
        }
        ctx.fireChannelRead(msg);
    }
}

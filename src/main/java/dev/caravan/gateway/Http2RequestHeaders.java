package dev.caravan.gateway;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.HttpConversionUtil;

/**
 * Drops the {@code x-http2-*} headers Netty's HTTP/2 to HTTP/1.1 conversion adds to each request
 * (stream id, scheme, ...): they describe our client connection and mean nothing to a pod.
 */
@ChannelHandler.Sharable
final class Http2RequestHeaders extends ChannelInboundHandlerAdapter {

    static final Http2RequestHeaders INSTANCE = new Http2RequestHeaders();

    private Http2RequestHeaders() {
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            for (HttpConversionUtil.ExtensionHeaderNames name : HttpConversionUtil.ExtensionHeaderNames.values()) {
                request.headers().remove(name.text());
            }
        }
        ctx.fireChannelRead(msg);
    }
}

package dev.caravan.gateway;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.HttpConversionUtil;

/**
 * Makes an HTTP/2 stream's request look as an HTTP/1.1 connection's does to the gateway: a request
 * that arrived whole (HEADERS ending the stream, as every GET) becomes its head followed by its last
 * content, as the gateway reads requests, or, without a body, a head that says it ends there; the
 * {@code x-http2-*} headers Netty's conversion adds
 * (stream id, scheme, ...) are dropped, they mean nothing to a pod; and a {@code :path} that is not
 * origin-form (RFC 9113 §8.3.1) is marked malformed, so it gets 400 rather than routing by the host it names.
 */
@ChannelHandler.Sharable
final class Http2Requests extends ChannelInboundHandlerAdapter {

    static final Http2Requests INSTANCE = new Http2Requests();

    private Http2Requests() {
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        for (HttpConversionUtil.ExtensionHeaderNames name : HttpConversionUtil.ExtensionHeaderNames.values()) {
            request.headers().remove(name.text());
        }
        String uri = request.uri();
        // CONNECT names an authority, not a path: it gets the gateway's 405, as over HTTP/1
        if (!uri.startsWith("/") && !uri.equals("*") && !HttpMethod.CONNECT.equals(request.method())) {
            request.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(":path is not origin-form")));
        }
        if (request instanceof FullHttpRequest whole) {
            DecodedRequest head = new DecodedRequest(whole.protocolVersion(), whole.method(), whole.uri(),
                    whole.headers());
            head.setDecoderResult(whole.decoderResult());
            if (!whole.content().isReadable() && whole.trailingHeaders().isEmpty()) {
                whole.release();
                head.endsHere();
                ctx.fireChannelRead(head);
                return;
            }
            ctx.fireChannelRead(head);
            ctx.fireChannelRead(new DefaultLastHttpContent(whole.content(), whole.trailingHeaders()));
            return;
        }
        ctx.fireChannelRead(msg);
    }
}

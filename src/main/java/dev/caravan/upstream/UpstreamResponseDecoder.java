package dev.caravan.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;

/**
 * Decodes a pod's responses knowing which request each answers: one request at a time per connection,
 * owned by its {@link ProxyCall}, so a HEAD's final response is bodiless even after an interim 1xx
 * (Netty 4.1's {@code HttpClientCodec} pairs methods with responses and loses the HEAD to the 1xx).
 */
final class UpstreamResponseDecoder extends HttpResponseDecoder {

    private Channel channel;

    UpstreamResponseDecoder(int maxInitialLineLength, int maxHeaderSize, int maxChunkSize) {
        super(maxInitialLineLength, maxHeaderSize, maxChunkSize);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        channel = ctx.channel();
        super.handlerAdded(ctx);
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage message) {
        ProxyCall call = channel == null ? null : channel.attr(UpstreamHandler.CALL).get();
        if (call != null && call.headRequest() && message instanceof HttpResponse response
                && response.status().code() >= 200) {
            return true;
        }
        return super.isContentAlwaysEmpty(message);
    }
}

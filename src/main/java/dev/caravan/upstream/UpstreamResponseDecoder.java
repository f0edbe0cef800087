package dev.caravan.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import java.util.List;

/**
 * Decodes a pod's responses knowing which request each answers: one request at a time per connection,
 * owned by its {@link ProxyCall}, so a HEAD's final response is bodiless even after an interim 1xx
 * (Netty 4.1's {@code HttpClientCodec} pairs methods with responses and loses the HEAD to the 1xx).
 */
final class UpstreamResponseDecoder extends HttpResponseDecoder {

    private final PodConnection connection;
    private final ChunkSizeGuard chunkSizes = new ChunkSizeGuard();

    UpstreamResponseDecoder(PodConnection connection, int maxInitialLineLength, int maxHeaderSize, int maxChunkSize) {
        super(maxInitialLineLength, maxHeaderSize, maxChunkSize);
        this.connection = connection;
    }

    /**
     * Whether bytes the pod sent are still undecoded: read while a response ends, they are more than it
     * framed (a body beyond its Content-Length, a body on a 204 or a HEAD's answer), and would be taken for
     * the answer to the next request on the connection.
     */
    boolean holdsUnreadBytes() {
        return internalBuffer().isReadable();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        chunkSizes.decode(buffer, out, () -> super.decode(ctx, buffer, out));
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage message) {
        ProxyCall call = connection.call();
        if (call != null && call.headRequest() && message instanceof HttpResponse response
                && response.status().code() >= 200) {
            return true;
        }
        return super.isContentAlwaysEmpty(message);
    }
}

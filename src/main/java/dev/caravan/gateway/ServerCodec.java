package dev.caravan.gateway;

import dev.caravan.upstream.ChunkSizeGuard;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;

/**
 * Netty's HTTP/1.1 server codec, as {@code HttpServerCodec}, with three things more: a request that has
 * both Content-Length and Transfer-Encoding (framed by the latter, its Content-Length dropped) is
 * marked, because RFC 9112 §6.1 wants its connection closed after the response; a request without a
 * body is one {@link DecodedRequest}, not a head and an empty end; and the codec tells whether a next
 * head has begun, for the header timeout. The encoder keeps {@code HttpServerCodec}'s knowledge of the
 * request each response answers (no body for HEAD, none framed for a successful CONNECT).
 */
final class ServerCodec extends CombinedChannelDuplexHandler<HttpRequestDecoder, HttpResponseEncoder> {

    /** Set on the channel for a request that came with both framings; read and cleared by the gateway. */
    static final AttributeKey<Boolean> CONFLICTING_FRAMING = AttributeKey.valueOf("caravan.conflicting-framing");

    private final Queue<HttpMethod> methods = new ArrayDeque<>();
    /** No message is being decoded: the last one ended (or none came yet). */
    private boolean betweenMessages = true;
    /** Bytes of a head have come, and the head is not whole yet. */
    private boolean headBegun;

    ServerCodec(HttpDecoderConfig config) {
        init(new Decoder(config), new Encoder());
    }

    /**
     * Whether the start of a next head is here already, as a pipelining client sends it with the request
     * before; the header timeout then runs from now, not from bytes that came earlier.
     */
    boolean headBegun() {
        return headBegun;
    }

    private final class Decoder extends HttpRequestDecoder {

        private ChannelHandlerContext context;
        private final ChunkSizeGuard chunkSizes = new ChunkSizeGuard();

        Decoder(HttpDecoderConfig config) {
            super(config);
        }

        @Override
        protected HttpMessage createMessage(String[] initialLine) throws Exception {
            String version = initialLine[2];
            if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
                // Netty's strict parse of other versions, and the gateway's 505
                return super.createMessage(initialLine);
            }
            return new DecodedRequest(HttpVersion.valueOf(version), HttpMethod.valueOf(initialLine[0]), initialLine[1],
                    headersFactory);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
            context = ctx;
            int before = out.size();
            // a chunk size the decoder would misread fails the request (400), as its own invalid chunk does
            chunkSizes.decode(buffer, out, () -> {
                if (betweenMessages && buffer.isReadable()) {
                    headBegun = true;
                }
                super.decode(ctx, buffer, out);
            });
            for (int i = before; i < out.size(); i++) {
                Object message = out.get(i);
                if (message instanceof HttpRequest request) {
                    headBegun = false;
                    betweenMessages = false;
                    methods.add(request.method());
                    // a request without a body comes with an empty end: the head stands for both
                    if (request instanceof DecodedRequest decoded && i + 1 < out.size()
                            && out.get(i + 1) == LastHttpContent.EMPTY_LAST_CONTENT) {
                        decoded.endsHere();
                        out.remove(i + 1);
                        betweenMessages = true;
                    }
                }
                if (message instanceof LastHttpContent) {
                    betweenMessages = true;
                }
            }
        }

        @Override
        protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
            super.handleTransferEncodingChunkedWithContentLength(message);
            if (context != null) {
                context.channel().attr(CONFLICTING_FRAMING).set(Boolean.TRUE);
            }
        }
    }

    private final class Encoder extends HttpResponseEncoder {

        private HttpMethod method;

        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse response) {
            // interim responses (100 Continue) answer no request by themselves
            if (response.status().codeClass() != HttpStatusClass.INFORMATIONAL) {
                method = methods.poll();
            }
            return HttpMethod.HEAD.equals(method) && response.status().codeClass() != HttpStatusClass.INFORMATIONAL
                    || super.isContentAlwaysEmpty(response);
        }

        @Override
        protected void sanitizeHeadersBeforeEncode(HttpResponse response, boolean isAlwaysEmpty) {
            if (!isAlwaysEmpty && HttpMethod.CONNECT.equals(method)
                    && response.status().codeClass() == HttpStatusClass.SUCCESS) {
                response.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
                return;
            }
            super.sanitizeHeadersBeforeEncode(response, isAlwaysEmpty);
        }
    }
}

package dev.caravan.gateway;

import dev.caravan.upstream.ChunkSizeGuard;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
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
 * Netty's HTTP/1.1 server codec, as {@code HttpServerCodec}, with these things more: a request that has
 * both Content-Length and Transfer-Encoding (framed by the latter, its Content-Length dropped) is
 * marked, because RFC 9112 §6.1 wants its connection closed after the response; a request without a
 * body is one {@link DecodedRequest}, not a head and an empty end; the codec tells whether a next
 * head has begun, for the header timeout; chunk sizes Netty would misread are refused
 * ({@link ChunkSizeGuard}); and what follows a request to switch protocols waits undecoded for its answer. The encoder keeps {@code HttpServerCodec}'s knowledge of the
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
    /** The request being decoded asks to switch protocols. */
    private boolean upgradeAsked;
    /**
     * A request that asks to switch protocols has ended, and its answer has not come: what the client sends meanwhile
     * stays undecoded, so that a 101 hands it to the tunnel (removing the codec passes its bytes on), and any other
     * answer lets it be decoded as the next request.
     */
    private boolean heldForUpgrade;
    private final Decoder decoder;

    ServerCodec(HttpDecoderConfig config) {
        decoder = new Decoder(config);
        init(decoder, new Encoder());
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
            if (heldForUpgrade) {
                return;
            }
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
                    upgradeAsked = request.headers().contains(HttpHeaderNames.UPGRADE) && request.headers()
                            .containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
                    // a request without a body comes with an empty end: the head stands for both
                    if (request instanceof DecodedRequest decoded && i + 1 < out.size()
                            && out.get(i + 1) == LastHttpContent.EMPTY_LAST_CONTENT) {
                        decoded.endsHere();
                        out.remove(i + 1);
                        ended();
                    }
                }
                if (message instanceof LastHttpContent) {
                    ended();
                }
            }
        }

        private void ended() {
            betweenMessages = true;
            heldForUpgrade = upgradeAsked;
            upgradeAsked = false;
        }

        /** Decodes what was held for an upgrade's answer, which was no 101. */
        void resume() {
            if (context != null && context.channel().isActive()) {
                try {
                    channelRead(context, Unpooled.EMPTY_BUFFER);
                    channelReadComplete(context);
                } catch (Exception e) {
                    context.fireExceptionCaught(e);
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
                if (heldForUpgrade) {
                    // no switch: what the client sent after the request is the next request; decoded once this
                    // write is done, not within it
                    heldForUpgrade = false;
                    if (decoder.context != null) {
                        decoder.context.executor().execute(decoder::resume);
                    }
                }
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

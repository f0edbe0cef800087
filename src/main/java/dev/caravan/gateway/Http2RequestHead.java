package dev.caravan.gateway;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderValidationUtil;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks an HTTP/2 stream's request head before it is converted to HTTP/1: {@code :method} a token,
 * {@code :scheme} and {@code :path} present, the path free of spaces and control bytes (for CONNECT,
 * the {@code :authority}). A malformed head is a stream error (RFC 9113 §8.1.1): the stream is reset with PROTOCOL_ERROR,
 * which Netty counts against the connection's reset limit. Netty's conversion, given such a head,
 * throws after taking a buffer it never gives back: every malformed request would leak memory.
 */
final class Http2RequestHead extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(Http2RequestHead.class);

    private boolean seen;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (seen || !(msg instanceof Http2HeadersFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        seen = true;
        String problem = problem(frame.headers());
        if (problem == null) {
            ctx.fireChannelRead(msg);
            return;
        }
        ReferenceCountUtil.release(msg);
        LOG.debug("HTTP/2 stream from {} reset: {}", ctx.channel().parent().remoteAddress(), problem);
        ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.PROTOCOL_ERROR));
    }

    /** What makes the head malformed, or {@code null}. */
    static String problem(Http2Headers headers) {
        CharSequence method = headers.method();
        if (method == null || method.length() == 0 || HttpHeaderValidationUtil.validateToken(method) != -1) {
            return ":method is missing or not a token";
        }
        if (HttpMethod.CONNECT.asciiName().contentEqualsIgnoreCase(method)) {
            // Netty's conversion takes CONNECT in any case, and its target from :authority
            CharSequence authority = headers.authority();
            return authority == null || authority.length() == 0 || !visible(authority)
                    ? "CONNECT without an :authority, or with spaces or control bytes in it" : null;
        }
        CharSequence path = headers.path();
        if (path == null || path.length() == 0 || !visible(path)) {
            return ":path is missing or has spaces or control bytes";
        }
        CharSequence scheme = headers.scheme();
        return scheme == null || scheme.length() == 0 ? ":scheme is missing" : null;
    }

    /** No spaces, control bytes or DEL; bytes above ASCII pass, as on HTTP/1. */
    private static boolean visible(CharSequence value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                return false;
            }
        }
        return true;
    }
}

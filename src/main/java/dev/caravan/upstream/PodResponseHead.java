package dev.caravan.upstream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * Checks an HTTP/2 pod's response heads before Netty converts them to HTTP/1. A {@code :status} that is
 * not a status (three digits, 100 to 599, not 101) makes the conversion throw, after taking a buffer it
 * never gives back when the head ends the stream; a head without one would be taken for trailers, an
 * answer without a status. Either reaches the call as an answer that is no HTTP, as on HTTP/1.1: 502,
 * the stream closed. One per stream: after the final head, HEADERS are trailers.
 */
final class PodResponseHead extends ChannelInboundHandlerAdapter {

    private boolean finalHeadSeen;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!finalHeadSeen && msg instanceof Http2HeadersFrame frame) {
            CharSequence status = frame.headers().status();
            if (status != null && isStatus(status)) {
                finalHeadSeen = status.charAt(0) != '1';
            } else {
                ReferenceCountUtil.release(msg);
                HttpResponse invalid = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_GATEWAY);
                invalid.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(status == null
                        ? "an HTTP/2 answer without :status" : "HTTP/2 :status " + status + " is no status")));
                ctx.fireChannelRead(invalid);
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    private static boolean isStatus(CharSequence status) {
        if (status.length() != 3) {
            return false;
        }
        for (int i = 0; i < 3; i++) {
            if (status.charAt(i) < '0' || status.charAt(i) > '9') {
                return false;
            }
        }
        char first = status.charAt(0);
        return first >= '1' && first <= '5' && !"101".contentEquals(status);
    }
}

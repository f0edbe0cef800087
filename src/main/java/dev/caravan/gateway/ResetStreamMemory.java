package dev.caravan.gateway;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DecoratingHttp2ConnectionEncoder;
import io.netty.handler.codec.http2.DecoratingHttp2FrameWriter;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameWriter;

/**
 * Frames a client sent on a stream before our RST_STREAM reached it are ignored, as RFC 9113 §5.1 asks.
 * Netty forgets a stream once it is reset and answers every later frame on it with RST_STREAM
 * (STREAM_CLOSED), and it counts those against the connection's limit of resets sent, its defence against
 * clients that make a server reset streams (CVE-2025-8671). A client whose upload was answered early
 * (413, 401, ...) and whose stream was then reset would draw one for every DATA frame it still had in
 * flight, and a few dozen such uploads would end its connection, other streams and all, with
 * ENHANCE_YOUR_CALM. This encoder remembers the streams reset lately (twice as many as may be open at
 * once) and sends nothing for frames on them. Frames on any other closed stream are answered, and
 * counted, as before. Every RST_STREAM sent is counted by its code: a stream's errors show nowhere else.
 */
final class ResetStreamMemory extends DecoratingHttp2ConnectionEncoder {

    private final int remembered;
    private final Http2FrameWriter writer;
    /** Ids of the streams reset last, oldest overwritten first; made at the first reset. */
    private int[] resetStreams;
    private int next;

    /**
     * @param remembered how many of the streams reset last are remembered: more than a client may have open at
     *                   once, since it may have sent all their heads before any of their bodies
     */
    ResetStreamMemory(Http2ConnectionEncoder delegate, int remembered, ClientProtocolFailures failures) {
        super(delegate);
        this.remembered = remembered;
        // Netty's connection handler writes the resets of existing streams through the frame writer
        writer = new DecoratingHttp2FrameWriter(delegate.frameWriter()) {
            @Override
            public ChannelFuture writeRstStream(ChannelHandlerContext ctx, int streamId, long errorCode,
                    ChannelPromise promise) {
                if (connection().stream(streamId) != null) {
                    remember(streamId);
                }
                // every reset written comes this way, Netty's handler's and ours
                failures.http2StreamReset(errorCode);
                return super.writeRstStream(ctx, streamId, errorCode, promise);
            }
        };
    }

    @Override
    public Http2FrameWriter frameWriter() {
        return writer;
    }

    /** Where a frame on a stream no longer known is answered: not for a stream reset lately. */
    @Override
    public ChannelFuture writeRstStream(ChannelHandlerContext ctx, int streamId, long errorCode, ChannelPromise promise) {
        if (errorCode == Http2Error.STREAM_CLOSED.code() && connection().stream(streamId) == null
                && remembered(streamId)) {
            return promise.setSuccess();
        }
        return super.writeRstStream(ctx, streamId, errorCode, promise);
    }

    private void remember(int streamId) {
        if (resetStreams == null) {
            resetStreams = new int[remembered];
        }
        resetStreams[next] = streamId;
        next = (next + 1) % remembered;
    }

    private boolean remembered(int streamId) {
        if (resetStreams != null) {
            for (int id : resetStreams) {
                if (id == streamId) {
                    return true;
                }
            }
        }
        return false;
    }
}

package dev.caravan.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DecoratingHttp2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameTypes;
import java.util.List;

/**
 * Ends a connection that splits a header block into more CONTINUATION frames than any client needs. Netty
 * bounds a header block's size but not its frame count, so a client could send empty CONTINUATION frames
 * for as long as the connection lives (the CONTINUATION flood, CVE-2024-27316 and kin), each costing a
 * frame's work. A block within the header size limit fits in a few 16 KiB frames. nghttp2 allows 8
 * CONTINUATION frames per block, Caravan {@link #MAX_CONTINUATIONS}; more end the connection with GOAWAY
 * ENHANCE_YOUR_CALM.
 *
 * <p>The frames are counted from the bytes Netty's frame reader consumed in each call, read again by frame
 * header: the reader takes a frame's 9-byte header as soon as it is whole and its payload only once that
 * is whole, so what it consumed is always the rest of a payload, then whole frames, then perhaps one more
 * header. Counted after the reader's pass, a flood ends within the socket read that carried the frame over
 * the limit.
 */
final class ContinuationLimit extends DecoratingHttp2ConnectionDecoder {

    static final int MAX_CONTINUATIONS = 16;
    private static final int FRAME_HEADER = 9;

    /** Payload bytes of the frame whose header was read last that the reader has not consumed yet. */
    private int payloadLeft;
    private int continuations;
    /** Whether a header block went over the limit: kept until thrown, whatever frames follow it. */
    private boolean flooded;

    ContinuationLimit(Http2ConnectionDecoder delegate) {
        super(delegate);
    }

    @Override
    public void decodeFrame(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Http2Exception {
        int start = in.readerIndex();
        Http2Exception failed = null;
        try {
            super.decodeFrame(ctx, in, out);
        } catch (Http2Exception e) {
            failed = e;
        } catch (RuntimeException e) {
            // the reader skips whatever comes from now on, unread
            stopCounting();
            throw e;
        }
        count(in, start, in.readerIndex());
        if (failed != null && !Http2Exception.isStreamError(failed)) {
            stopCounting();
        }
        if (flooded) {
            // also when a stream error came after the flood in the same read: the connection ends
            flooded = false;
            stopCounting();
            throw Http2Exception.connectionError(Http2Error.ENHANCE_YOUR_CALM,
                    "a header block in more than %d CONTINUATION frames", MAX_CONTINUATIONS);
        }
        if (failed != null) {
            throw failed;
        }
    }

    /** After a connection error Netty's reader consumes without reading: no frame headers to find in that. */
    private void stopCounting() {
        payloadLeft = Integer.MAX_VALUE;
    }

    private void count(ByteBuf in, int from, int to) {
        int at = from;
        while (at < to) {
            if (payloadLeft > 0) {
                int skipped = Math.min(payloadLeft, to - at);
                at += skipped;
                payloadLeft -= skipped;
                continue;
            }
            if (to - at < FRAME_HEADER) {
                // the reader takes frame headers whole: bytes taken otherwise were skipped after an error
                stopCounting();
                return;
            }
            payloadLeft = in.getUnsignedMedium(at);
            byte type = in.getByte(at + 3);
            at += FRAME_HEADER;
            if (type == Http2FrameTypes.CONTINUATION) {
                flooded |= ++continuations > MAX_CONTINUATIONS;
            } else if (type == Http2FrameTypes.HEADERS || type == Http2FrameTypes.PUSH_PROMISE) {
                continuations = 0;
            }
        }
    }
}

package dev.caravan.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The request body sent so far on an HTTP/2 stream to a pod, kept until the pod answers, so that a stream
 * the pod refused unprocessed (RST_STREAM REFUSED_STREAM, or above the last stream id of its GOAWAY) can be
 * sent again, whatever its method: RFC 9113 section 8.7 guarantees the pod did nothing with it. Caravan
 * streams bodies and keeps no copy otherwise; this one is small and bounded twice — per request, and over
 * all requests at once — and a body beyond either bound is simply not kept, so its request is not resent.
 */
final class RequestReplay {

    /** A body larger than this is not kept: gRPC requests are mostly far smaller. */
    static final int MAX_BYTES = 64 * 1024;
    /** Bytes kept by all requests at once. */
    static final long BUDGET = 32L * 1024 * 1024;
    private static final AtomicLong HELD = new AtomicLong();

    private final List<HttpContent> kept = new ArrayList<>(2);
    private int bytes;
    private boolean whole = true;

    /**
     * Keeps a copy of {@code content}, about to be sent on {@code stream}; or, past a bound, gives up keeping
     * the body. A copy of its own size: a slice would hold the whole read buffer it came from.
     */
    void keep(HttpContent content, Channel stream) {
        if (!whole) {
            return;
        }
        int size = content.content().readableBytes();
        if (bytes + size > MAX_BYTES || HELD.addAndGet(size) > BUDGET) {
            if (bytes + size <= MAX_BYTES) {
                HELD.addAndGet(-size);
            }
            release();
            whole = false;
            return;
        }
        bytes += size;
        ByteBuf copy = stream.alloc().buffer(size);
        copy.writeBytes(content.content(), content.content().readerIndex(), size);
        kept.add(content.replace(copy));
    }

    /** Whether all that was sent is kept, so the request can go again. */
    boolean whole() {
        return whole;
    }

    /** Writes what was sent before to a new stream, without flushing; returns whether there was anything. */
    boolean resend(Channel stream) {
        for (HttpContent content : kept) {
            stream.write(content.retainedDuplicate());
        }
        return !kept.isEmpty();
    }

    /** The pod answered: the stream was processed, and nothing is kept any more. */
    void abandon() {
        release();
        whole = false;
    }

    /** The request is over: nothing is kept any more. */
    void release() {
        for (HttpContent content : kept) {
            content.release();
        }
        kept.clear();
        HELD.addAndGet(-bytes);
        bytes = 0;
    }

    /** Bytes kept by all requests now (for tests). */
    static long held() {
        return HELD.get();
    }
}

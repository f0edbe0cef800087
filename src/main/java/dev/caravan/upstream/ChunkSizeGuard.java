package dev.caravan.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.internal.StringUtil;
import java.util.List;

/**
 * Reads the chunk-size lines of chunked bodies before Netty's HTTP/1.1 decoder does, for one connection. Netty 4.1
 * adds up a size in an {@code int} and refuses only a negative one, so that the 17 hex digits of 2^64 read as 0:
 * the body ends there, and what follows is taken for the next message. A front end that reads the size as the number
 * it is (or refuses it) then sees one request where Caravan sees two, the next one smuggled past it. Netty also skips
 * whitespace of any kind (a CR, a vertical tab) before the size, which RFC 9112's {@code chunk-size = 1*HEXDIG} does
 * not allow. A size over {@link Integer#MAX_VALUE} or a line that does not begin with a hex digit fails the message
 * here, as the decoder's
 * own invalid chunk does (400 for a request, 502 for a pod's response), and the connection's further bytes are
 * dropped. The guard follows the body's framing by the bytes the decoder consumes; Netty checks the rest of the line
 * and the CRLF after each chunk, and a message it fails is no longer followed.
 */
public final class ChunkSizeGuard {

    private static final long NONE = -1;

    /** The connection's bytes the decoder has consumed. */
    private long consumed;
    /** Where the next chunk-size line begins, in the connection's bytes, or {@link #NONE} outside a chunked body. */
    private long nextLine = NONE;
    /** How far the line at {@link #nextLine} has been read: a line may come in several reads. */
    private long scanned;
    private long size;
    private boolean digitsEnded;
    private boolean failed;

    /** One call of the decoder's {@code decode}. */
    @FunctionalInterface
    public interface Decode {
        void run() throws Exception;
    }

    /**
     * Runs one call of the decoder on {@code buffer} with the guard around it: the size line it is to read is
     * checked first, and what it consumed and produced is followed after. A refused message adds its failed end to
     * {@code out} in place of the call, and the connection's bytes are dropped from then on, as the decoder's own
     * invalid chunk does.
     */
    public void decode(ByteBuf buffer, List<Object> out, Decode decoder) throws Exception {
        HttpContent refused = check(buffer);
        if (refused != null || failed) {
            if (refused != null) {
                out.add(refused);
            }
            buffer.skipBytes(buffer.readableBytes());
            return;
        }
        int readerIndex = buffer.readerIndex();
        int produced = out.size();
        decoder.run();
        decoded(buffer.readerIndex() - readerIndex, out, produced);
    }

    /**
     * Reads the size line the decoder is to read from {@code buffer}, before it does; call before each decode. The
     * decoder reads one size line at most per call, one that begins where the call does (after a chunked head, after a
     * chunk's CRLF, it returns), or one it began reading in an earlier call: a line further on is read in a later call,
     * after the chunks before it have gone on.
     *
     * @return {@code null} to go on with the decoder, or the failed end of the message for the decoder's output, once:
     *         the buffer's bytes are then dropped, as those of every later call
     */
    HttpContent check(ByteBuf buffer) {
        long end = consumed + buffer.readableBytes();
        while (nextLine != NONE && nextLine <= consumed && end > Math.max(nextLine, scanned)) {
            long at = Math.max(nextLine, scanned);
            byte b = buffer.getByte(buffer.readerIndex() + (int) (at - consumed));
            scanned = at + 1;
            if (!digitsEnded) {
                int digit = StringUtil.decodeHexNibble(b);
                if (digit >= 0) {
                    size = size * 16 + digit;
                    if (size > Integer.MAX_VALUE) {
                        return fail(buffer, "chunk size over " + Integer.MAX_VALUE);
                    }
                    continue;
                }
                if (at == nextLine) {
                    // no digit first: the decoder would skip whitespace of any kind (a CR, a form feed) and read on
                    return fail(buffer, "the chunk size line does not begin with a hex digit");
                }
                digitsEnded = true;
            }
            if (b == '\n') {
                // the size is read; the chunk's data and its CRLF come next, or the trailers after the last chunk
                nextLine = size == 0 ? NONE : scanned + size + 2;
                size = 0;
                digitsEnded = false;
            }
        }
        return null;
    }

    /**
     * What the decoder did after {@link #check}: how many bytes it consumed, and what it added to {@code out} from
     * index {@code from} on.
     */
    void decoded(int bytes, List<Object> out, int from) {
        consumed += bytes;
        for (int i = from; i < out.size(); i++) {
            Object message = out.get(i);
            if (message instanceof HttpObject object && object.decoderResult().isFailure()
                    || message instanceof LastHttpContent) {
                nextLine = NONE;
            } else if (message instanceof HttpMessage head && HttpUtil.isTransferEncodingChunked(head)) {
                // the decoder hands a chunked head on as soon as it is read: its body begins here
                nextLine = consumed;
                scanned = consumed;
                size = 0;
                digitsEnded = false;
            }
        }
    }

    private HttpContent fail(ByteBuf buffer, String reason) {
        failed = true;
        nextLine = NONE;
        buffer.skipBytes(buffer.readableBytes());
        HttpContent end = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
        end.setDecoderResult(DecoderResult.failure(new NumberFormatException(reason)));
        return end;
    }
}

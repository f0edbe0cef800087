package dev.caravan.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The chunk sizes of a request body are checked whatever pieces the bytes come in: one byte at a time, a size line
 * split anywhere, several chunks and a next request in one read.
 */
class ServerCodecChunkSizeTest {

    private static final String HEAD = "POST /up HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n";

    /** What the codec decodes of {@code bytes} written in pieces of {@code piece} bytes: heads, body text, failures. */
    private static List<String> decode(String bytes, int piece) {
        EmbeddedChannel channel = new EmbeddedChannel(new ServerCodec(new HttpDecoderConfig().setMaxChunkSize(65536)));
        byte[] all = bytes.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < all.length; i += piece) {
            channel.writeInbound(Unpooled.wrappedBuffer(all, i, Math.min(piece, all.length - i)));
        }
        List<String> seen = new ArrayList<>();
        StringBuilder body = new StringBuilder();
        for (Object message; (message = channel.readInbound()) != null; ) {
            try {
                if (message instanceof HttpObject object && object.decoderResult().isFailure()) {
                    seen.add("failed: " + object.decoderResult().cause().getMessage());
                    continue;
                }
                if (message instanceof HttpRequest request) {
                    seen.add(request.method() + " " + request.uri());
                }
                if (message instanceof HttpContent content) {
                    ByteBuf data = content.content();
                    body.append(data.toString(StandardCharsets.ISO_8859_1));
                    if (message instanceof LastHttpContent) {
                        seen.add("body " + body);
                        body.setLength(0);
                    }
                }
            } finally {
                ReferenceCountUtil.release(message);
            }
        }
        channel.finishAndReleaseAll();
        return seen;
    }

    @ParameterizedTest(name = "in pieces of {0}")
    @ValueSource(ints = {1, 2, 3, 7, 1000})
    void validChunksAndTheNextRequestAreReadAsSent(int piece) {
        assertThat(decode(HEAD + "0005;ext=1\r\nhello\r\n000000000000000000001\r\n!\r\n10\r\n0123456789abcdef\r\n0\r\n"
                + "\r\nGET /next HTTP/1.1\r\nHost: a.test\r\n\r\n", piece))
                .containsExactly("POST /up", "body hello!0123456789abcdef", "GET /next");
    }

    @ParameterizedTest(name = "in pieces of {0}")
    @ValueSource(ints = {1, 2, 3, 7, 1000})
    void aSizeBeyond32BitsFailsTheRequestAndNothingAfterItIsRead(int piece) {
        // 2^64 would read as 0 in 32 bits: the body would end, and the rest would be read as another request
        assertThat(decode(HEAD + "2\r\nab\r\n10000000000000000\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a.test\r\n\r\n",
                piece)).containsExactly("POST /up", "failed: chunk size over 2147483647");
    }

    @ParameterizedTest(name = "[{index}]")
    @ValueSource(strings = {" ", "\t", "\u000b", "\u000c", "\r", "\u001f", "z", ";"})
    void aSizeLineNotBeginningWithAHexDigitFailsTheRequest(String first) {
        // Netty skips any whitespace before a size, a CR or a vertical tab too, and would then read 2^64 as 0
        for (int piece : new int[] {1, 1000}) {
            assertThat(decode(HEAD + first + "10000000000000000\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a.test\r\n\r\n",
                    piece)).as("in pieces of %d", piece)
                    .containsExactly("POST /up", "failed: the chunk size line does not begin with a hex digit");
        }
    }
}

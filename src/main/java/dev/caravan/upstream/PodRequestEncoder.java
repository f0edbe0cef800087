package dev.caravan.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpConstants;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Netty's request encoder, writing the request target one byte per char: the decoder read the client's
 * target so, and Netty's encoder would write it as UTF-8, turning each byte above ASCII into two. A pod gets
 * the bytes the client sent, as it does from nginx (and as HTTP/2's {@code :path} carries them).
 */
final class PodRequestEncoder extends HttpRequestEncoder {

    @Override
    protected void encodeInitialLine(ByteBuf buf, HttpRequest request) throws Exception {
        ByteBufUtil.copy(request.method().asciiName(), buf);
        buf.writeByte(HttpConstants.SP);
        // targets are origin-form here: the gateway turned absolute-form ones into a path
        String uri = request.uri();
        buf.writeCharSequence(uri.isEmpty() ? "/" : uri, StandardCharsets.ISO_8859_1);
        buf.writeByte(HttpConstants.SP);
        buf.writeCharSequence(request.protocolVersion().text(), StandardCharsets.US_ASCII);
        ByteBufUtil.writeShortBE(buf, (HttpConstants.CR << 8) | HttpConstants.LF);
    }
}

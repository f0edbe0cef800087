package dev.caravan.gateway;

import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Settings;

/** Netty's HTTP/2 server codec for client connections, with its encoder in a {@link ResetStreamMemory}. */
final class ClientHttp2Codec extends Http2FrameCodecBuilder {

    ClientHttp2Codec() {
        server(true);
    }

    @Override
    protected Http2FrameCodec build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
            Http2Settings initialSettings) {
        return super.build(decoder, new ResetStreamMemory(encoder), initialSettings);
    }
}

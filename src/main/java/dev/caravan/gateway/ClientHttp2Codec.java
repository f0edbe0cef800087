package dev.caravan.gateway;

import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Settings;

/**
 * Netty's HTTP/2 server codec for client connections, its encoder in a {@link ResetStreamMemory} and its
 * decoder in a {@link ContinuationLimit}.
 */
final class ClientHttp2Codec extends Http2FrameCodecBuilder {

    /** Streams a client may open at once when the settings do not say: RFC 9113 §6.5.2's recommended least. */
    private static final int UNSTATED_STREAMS = 100;
    /** Bounds the memory of reset streams whatever the settings allow. */
    private static final int MAX_REMEMBERED = 2048;

    private final ClientProtocolFailures failures;

    /** @param failures where the resets sent to clients are counted */
    ClientHttp2Codec(ClientProtocolFailures failures) {
        this.failures = failures;
        server(true);
    }

    @Override
    protected Http2FrameCodec build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
            Http2Settings initialSettings) {
        Long streams = initialSettings.maxConcurrentStreams();
        long open = streams == null ? UNSTATED_STREAMS : streams;
        return super.build(new ContinuationLimit(decoder),
                new ResetStreamMemory(encoder, (int) Math.max(1, Math.min(2 * open, MAX_REMEMBERED)), failures),
                initialSettings);
    }
}

package dev.caravan.upstream;

import java.io.IOException;
import java.net.InetSocketAddress;

/** A pod closed an HTTP/2 stream without processing it: REFUSED_STREAM, or a GOAWAY below the stream's id. */
final class StreamRefused extends IOException {

    StreamRefused(InetSocketAddress pod) {
        super(pod + " refused the stream unprocessed");
    }
}

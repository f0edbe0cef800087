package dev.caravan.upstream;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.Iterator;
import java.util.Map;

/** The size of a header section as HTTP/1.1 writes it: each {@code name: value} line and the blank line after. */
public final class HeaderBytes {

    private HeaderBytes() {
    }

    public static long of(HttpHeaders headers) {
        long bytes = 2;
        Iterator<Map.Entry<CharSequence, CharSequence>> entries = headers.iteratorCharSequence();
        while (entries.hasNext()) {
            Map.Entry<CharSequence, CharSequence> header = entries.next();
            bytes += header.getKey().length() + header.getValue().length() + 4;
        }
        return bytes;
    }
}

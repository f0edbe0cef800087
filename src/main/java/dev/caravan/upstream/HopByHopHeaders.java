package dev.caravan.upstream;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** Removes the headers that belong to one connection and must not be forwarded (RFC 9110 §7.6.1). */
public final class HopByHopHeaders {

    private static final CharSequence[] ALWAYS = {
        HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.PROXY_CONNECTION,
        HttpHeaderNames.TE, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE,
        HttpHeaderNames.TRAILER, HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION,
    };

    private HopByHopHeaders() {
    }

    public static void strip(HttpHeaders headers) {
        List<String> listed = null;
        // iterated rather than copied out: most messages have one Connection header or none
        Iterator<String> values = headers.valueStringIterator(HttpHeaderNames.CONNECTION);
        while (values.hasNext()) {
            String value = values.next();
            for (String token : value.split(",")) {
                String name = token.trim();
                if (!name.isEmpty()) {
                    if (listed == null) {
                        listed = new ArrayList<>(2);
                    }
                    listed.add(name);
                }
            }
        }
        if (listed != null) {
            listed.forEach(headers::remove);
        }
        for (CharSequence name : ALWAYS) {
            headers.remove(name);
        }
    }
}

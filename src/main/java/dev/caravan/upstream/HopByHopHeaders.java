package dev.caravan.upstream;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
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
        for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
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

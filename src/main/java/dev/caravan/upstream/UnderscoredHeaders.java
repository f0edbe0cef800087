package dev.caravan.upstream;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Header fields whose names have an underscore, which nginx drops from requests unless told otherwise: a CGI-style
 * server (PHP, WSGI) reads {@code X_Forwarded_For} as the {@code X-Forwarded-For} the proxy sets.
 */
public final class UnderscoredHeaders {

    private UnderscoredHeaders() {
    }

    /** Removes them from {@code headers}. */
    public static void drop(HttpHeaders headers) {
        drop(headers, dashed -> true);
    }

    /** Removes those that, spelt with dashes for underscores, {@code spelt} matches. */
    public static void drop(HttpHeaders headers, Predicate<String> spelt) {
        List<CharSequence> underscored = null;
        Iterator<Map.Entry<CharSequence, CharSequence>> fields = headers.iteratorCharSequence();
        while (fields.hasNext()) {
            CharSequence name = fields.next().getKey();
            if (AsciiString.indexOf(name, '_', 0) >= 0 && spelt.test(name.toString().replace('_', '-'))) {
                if (underscored == null) {
                    underscored = new ArrayList<>(1);
                }
                underscored.add(name);
            }
        }
        if (underscored != null) {
            underscored.forEach(headers::remove);
        }
    }
}

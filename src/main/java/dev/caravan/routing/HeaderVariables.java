package dev.caravan.routing;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.Iterator;
import java.util.Map;

/**
 * nginx's {@code $http_NAME}: every line of a request header, joined as nginx (1.23 and later) joins them, with
 * {@code "; "} for Cookie and {@code ", "} otherwise, so that a second line cannot hide behind the first. Names match
 * as nginx matches them: in any case, a {@code -} as a {@code _}.
 */
public final class HeaderVariables {

    private HeaderVariables() {
    }

    /** The value of {@code $http_NAME} for {@code name} (lower case, {@code _} for {@code -}): empty when not sent. */
    public static String value(HttpHeaders headers, String name) {
        String value = values(headers, new String[] {name})[0];
        return value == null ? "" : value;
    }

    /** The values of several, in one pass over the headers: {@code null} for one not sent. */
    public static String[] values(HttpHeaders headers, String[] names) {
        StringBuilder[] joined = new StringBuilder[names.length];
        for (Iterator<Map.Entry<CharSequence, CharSequence>> entries = headers.iteratorCharSequence(); entries.hasNext();) {
            Map.Entry<CharSequence, CharSequence> entry = entries.next();
            for (int i = 0; i < names.length; i++) {
                if (named(entry.getKey(), names[i])) {
                    joined[i] = joined[i] == null ? new StringBuilder(entry.getValue())
                            : joined[i].append(names[i].equals("cookie") ? "; " : ", ").append(entry.getValue());
                }
            }
        }
        String[] values = new String[names.length];
        for (int i = 0; i < names.length; i++) {
            values[i] = joined[i] == null ? null : joined[i].toString();
        }
        return values;
    }

    /** Whether a header's name is the variable's: in any case, a {@code -} as a {@code _}; nothing is allocated. */
    private static boolean named(CharSequence header, String variable) {
        if (header.length() != variable.length()) {
            return false;
        }
        for (int i = 0; i < header.length(); i++) {
            char c = header.charAt(i);
            char lower = c == '-' ? '_' : c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
            if (lower != variable.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}

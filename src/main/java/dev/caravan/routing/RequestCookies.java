package dev.caravan.routing;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import java.util.ArrayList;
import java.util.List;

/**
 * The values a request's Cookie headers give one cookie name, in the order sent (a name sent twice gives two
 * values), read with Netty's decoder.
 */
public final class RequestCookies {

    private RequestCookies() {
    }

    public static List<String> values(HttpHeaders headers, String name) {
        List<String> values = new ArrayList<>(1);
        for (String header : headers.getAll(HttpHeaderNames.COOKIE)) {
            // every cookie in order: decode() sorts them into a set, which also drops a name's later values
            for (Cookie cookie : ServerCookieDecoder.LAX.decodeAll(header)) {
                if (cookie.name().equals(name)) {
                    values.add(cookie.value());
                }
            }
        }
        return values;
    }

    /**
     * nginx's {@code $cookie_NAME}: the first value the Cookie lines given (joined) send for a name in any case, as
     * nginx matches it and as sent (quotes included), or {@code null}.
     */
    public static String variable(String cookieLines, String name) {
        if (cookieLines == null) {
            return null;
        }
        for (String pair : cookieLines.split(";")) {
            int equals = pair.indexOf('=');
            if (equals > 0 && pair.substring(0, equals).trim().equalsIgnoreCase(name)) {
                return pair.substring(equals + 1).trim();
            }
        }
        return null;
    }

    /** The first value sent for the name, as nginx's {@code $cookie_} variable reads it, or {@code ""}. */
    public static String first(HttpHeaders headers, String name) {
        List<String> values = values(headers, name);
        return values.isEmpty() ? "" : values.get(0);
    }
}

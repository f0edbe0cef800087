package dev.caravan.routing;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How a pod's response head is rewritten on its way to the client, as nginx's {@code proxy_redirect},
 * {@code proxy_cookie_domain} and {@code proxy_cookie_path} do it: a prefix of {@code Location} (and of
 * {@code Refresh}'s URL) replaced, case-sensitively; a {@code Set-Cookie}'s domain replaced when it is
 * the one named (case-insensitively, a leading dot aside); its path's prefix replaced, case-sensitively.
 * A {@code Location} rewritten to a path is made absolute, as nginx's {@code absolute_redirect} does by default.
 * Each part is {@code null} when not asked for.
 *
 * @param redirectFrom     the prefix of {@code Location} replaced ({@code proxy-redirect-from})
 * @param redirectTo       what replaces it ({@code proxy-redirect-to})
 * @param cookieDomainFrom the cookie domain replaced ({@code proxy-cookie-domain}, first word)
 * @param cookieDomainTo   what replaces it
 * @param cookiePathFrom   the prefix of a cookie's path replaced ({@code proxy-cookie-path}, first word)
 * @param cookiePathTo     what replaces it
 */
public record ResponseRewrite(String redirectFrom, String redirectTo, String cookieDomainFrom,
        String cookieDomainTo, String cookiePathFrom, String cookiePathTo) {

    /**
     * Rewrites the headers of a pod's response head in place.
     *
     * @param origin {@code scheme://authority} of the request, which a Location rewritten to a path is made
     *               absolute with, or {@code null} (a request without a Host) to leave it as it is
     */
    public void apply(HttpHeaders headers, String origin) {
        if (redirectFrom != null) {
            String location = headers.get(HttpHeaderNames.LOCATION);
            if (location != null && location.startsWith(redirectFrom)) {
                String rewritten = redirectTo + location.substring(redirectFrom.length());
                boolean path = rewritten.startsWith("/") && !rewritten.startsWith("//");
                headers.set(HttpHeaderNames.LOCATION, path && origin != null ? origin + rewritten : rewritten);
            }
            String refresh = headers.get("Refresh");
            if (refresh != null) {
                String rewritten = replacePrefixAfter(refresh, "url=", redirectFrom, redirectTo);
                if (rewritten != null) {
                    headers.set("Refresh", rewritten);
                }
            }
        }
        if ((cookieDomainFrom != null || cookiePathFrom != null) && headers.contains(HttpHeaderNames.SET_COOKIE)) {
            List<String> cookies = new ArrayList<>(headers.getAll(HttpHeaderNames.SET_COOKIE));
            boolean changed = false;
            for (int i = 0; i < cookies.size(); i++) {
                String cookie = rewriteCookie(cookies.get(i));
                if (cookie != null) {
                    cookies.set(i, cookie);
                    changed = true;
                }
            }
            if (changed) {
                headers.set(HttpHeaderNames.SET_COOKIE, cookies);
            }
        }
    }

    /** The cookie with its domain and path rewritten, or {@code null} when neither changed. */
    private String rewriteCookie(String cookie) {
        int attributes = cookie.indexOf(';');
        if (attributes < 0) {
            return null;
        }
        String rewritten = cookie;
        if (cookieDomainFrom != null) {
            int value = attributeValue(rewritten, attributes, "domain=");
            if (value >= 0) {
                int start = value < rewritten.length() && rewritten.charAt(value) == '.' ? value + 1 : value;
                int end = valueEnd(rewritten, start);
                if (rewritten.substring(start, end).equalsIgnoreCase(cookieDomainFrom)) {
                    rewritten = rewritten.substring(0, start) + cookieDomainTo + rewritten.substring(end);
                }
            }
        }
        if (cookiePathFrom != null) {
            int value = attributeValue(rewritten, attributes, "path=");
            if (value >= 0 && rewritten.startsWith(cookiePathFrom, value)
                    && value + cookiePathFrom.length() <= valueEnd(rewritten, value)) {
                rewritten = rewritten.substring(0, value) + cookiePathTo
                        + rewritten.substring(value + cookiePathFrom.length());
            }
        }
        return rewritten.equals(cookie) ? null : rewritten;
    }

    /** Where the value of the first {@code name} (case-insensitive) after {@code from} starts, or -1. */
    private static int attributeValue(String cookie, int from, String name) {
        int at = cookie.toLowerCase(Locale.ROOT).indexOf(name, from);
        return at < 0 ? -1 : at + name.length();
    }

    private static int valueEnd(String cookie, int start) {
        int end = cookie.indexOf(';', start);
        return end < 0 ? cookie.length() : end;
    }

    /** {@code value} with the prefix {@code from} of what follows {@code marker} replaced, or {@code null}. */
    private static String replacePrefixAfter(String value, String marker, String from, String to) {
        int at = value.toLowerCase(Locale.ROOT).indexOf(marker);
        if (at < 0) {
            return null;
        }
        int start = at + marker.length();
        return value.startsWith(from, start) ? value.substring(0, start) + to + value.substring(start + from.length())
                : null;
    }
}

package dev.caravan.routing;

import java.nio.charset.StandardCharsets;

/**
 * Percent-escapes for putting a request's path or target into a URL Caravan writes: a rewritten request
 * line, an auth-url, {@code X-Original-URL}. The request target arrives one char per byte, so its bytes
 * above ASCII are escaped one by one, as the client's bytes; a decoded path is text, escaped as its UTF-8.
 */
public final class PercentEncoding {

    private static final String HEX = "0123456789ABCDEF";
    /** What a URL may not hold as it is, beside control bytes, spaces and bytes above ASCII. */
    private static final String UNSAFE = "\"<>\\^`{|}[]#";

    private PercentEncoding() {
    }

    /**
     * A decoded path (or a piece of one) as it goes into a URL: whatever is no plain URL character is
     * escaped, {@code ?} and {@code #} too, so that the text stays a path. A {@code %} is kept: in a
     * normalised path it only begins an escape that normalising left in place ({@code %2F}, {@code %25}).
     */
    public static String path(String decoded) {
        StringBuilder into = new StringBuilder(decoded.length() + 16);
        for (byte b : decoded.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (plain(c) && c != '?') {
                into.append((char) c);
            } else {
                escape(c, into);
            }
        }
        return into.toString();
    }

    /**
     * A request target as the client sent it (one char per byte), with what a URL cannot hold escaped:
     * bytes above ASCII, the few ASCII characters URLs exclude, and a {@code %} that begins no escape.
     * Its escapes, {@code ?} and the query are kept as they are.
     */
    public static String target(String raw) {
        int first = 0;
        while (first < raw.length() && plain(raw.charAt(first)) && escapeOrNotPercent(raw, first)) {
            first++;
        }
        if (first == raw.length()) {
            return raw;
        }
        StringBuilder into = new StringBuilder(raw.length() + 16).append(raw, 0, first);
        for (int i = first; i < raw.length(); i++) {
            int c = raw.charAt(i) & 0xff;
            if (plain(c) && escapeOrNotPercent(raw, i)) {
                into.append((char) c);
            } else {
                escape(c, into);
            }
        }
        return into.toString();
    }

    private static boolean plain(int c) {
        return c > 0x20 && c < 0x7f && UNSAFE.indexOf(c) < 0;
    }

    /** Whether the char at {@code i} is no {@code %}, or a {@code %} followed by two hex digits. */
    private static boolean escapeOrNotPercent(String raw, int i) {
        return raw.charAt(i) != '%' || i + 2 < raw.length() && Character.digit(raw.charAt(i + 1), 16) >= 0
                && Character.digit(raw.charAt(i + 2), 16) >= 0;
    }

    private static void escape(int c, StringBuilder into) {
        into.append('%').append(HEX.charAt(c >> 4)).append(HEX.charAt(c & 15));
    }
}

package dev.caravan.routing;

import java.nio.charset.StandardCharsets;

/**
 * Percent-escapes for putting a request's path or target where Caravan writes it: a rewritten request
 * line, an auth-url, {@code X-Original-URL}. The request target arrives one char per byte, so its bytes
 * above ASCII are escaped one by one, as the client's bytes; a decoded path is text, escaped as its UTF-8.
 */
public final class PercentEncoding {

    private static final String HEX = "0123456789ABCDEF";
    /** What a path may not hold as it is, beside control bytes, spaces and bytes above ASCII. */
    private static final String UNSAFE_IN_PATH = "\"<>\\^`{|}#?";
    /** What {@link java.net.URI} refuses anywhere after the host, beside the same. */
    private static final String UNSAFE_IN_URL = "\"<>\\^`{|}#[]";

    private PercentEncoding() {
    }

    /** What nginx escapes in a capture put into a rewrite's query (NGX_ESCAPE_ARGS), and what no URL holds as is. */
    private static final String UNSAFE_IN_ARGS = "#%&+;?\"<>\\^`{|}";

    /**
     * A piece of a normalised path as it goes into a query, as nginx escapes a capture its rewrite puts after the
     * target's {@code ?}: what would end or split a parameter ({@code &}, {@code +}, {@code ;}, {@code #}) is escaped,
     * so that a path's {@code %26} stays one value. The escapes normalising left ({@code %25}) are decoded first.
     */
    public static String queryValue(String decoded) {
        byte[] bytes = decoded.getBytes(StandardCharsets.UTF_8);
        StringBuilder into = new StringBuilder(bytes.length + 16);
        for (int i = 0; i < bytes.length; i++) {
            int c = bytes[i] & 0xff;
            if (c == '%' && i + 2 < bytes.length && Character.digit(bytes[i + 1], 16) >= 0
                    && Character.digit(bytes[i + 2], 16) >= 0) {
                c = Character.digit(bytes[i + 1], 16) * 16 + Character.digit(bytes[i + 2], 16);
                i += 2;
            }
            if (plain(c, UNSAFE_IN_ARGS)) {
                into.append((char) c);
            } else {
                escape(c, into);
            }
        }
        return into.toString();
    }

    /**
     * A decoded path (or a piece of one) as it goes into a request line: whatever is no plain URL
     * character is escaped, {@code ?} and {@code #} too, so that the text stays a path. A {@code %} is
     * kept: in a normalised path it only begins an escape that normalising left in place ({@code %25},
     * {@code %00}).
     */
    public static String path(String decoded) {
        StringBuilder into = new StringBuilder(decoded.length() + 16);
        for (byte b : decoded.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (plain(c, UNSAFE_IN_PATH)) {
                into.append((char) c);
            } else {
                escape(c, into);
            }
        }
        return into.toString();
    }

    /**
     * A request target as the client sent it (one char per byte), or an escaped path, made a URL's path
     * and query: bytes above ASCII, the ASCII characters a URL excludes, and a {@code %} that begins no
     * escape are escaped. Its escapes, {@code ?} and the query are kept as they are.
     */
    public static String url(String raw) {
        return escape(raw, (text, i) -> plain(text.charAt(i), UNSAFE_IN_URL) && escapeOrNotPercent(text, i));
    }

    /**
     * A request target as the client sent it, for a header: only its bytes above ASCII escaped, which a
     * header value cannot carry through the JDK's HTTP client; the rest stays as sent, as nginx sends it.
     */
    public static String aboveAscii(String raw) {
        return escape(raw, (text, i) -> text.charAt(i) <= 0x7e);
    }

    /**
     * A value made of a request's parts for a header of Caravan's request (auth-proxy-set-headers): control
     * characters and all above ASCII escaped, which a header cannot carry; a text with chars above one byte (a
     * decoded path) as its UTF-8.
     */
    public static String headerValue(String value) {
        return escape(asBytes(value), (chars, i) -> chars.charAt(i) >= 0x20 && chars.charAt(i) < 0x7f);
    }

    /**
     * A request's part in a URL sent back to the client (a redirect's Location): as {@link #headerValue}, and the
     * space too, so that it stays one URL.
     */
    public static String locationPart(String value) {
        return escape(asBytes(value), (chars, i) -> chars.charAt(i) > 0x20 && chars.charAt(i) < 0x7f);
    }

    /** A value one char per byte: as it is when it is so, a text with chars above one byte as its UTF-8. */
    private static String asBytes(String value) {
        boolean text = value.chars().anyMatch(c -> c > 0xff);
        return text ? new String(value.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1) : value;
    }

    /**
     * An ASCII text as one URL component: all but RFC 3986's unreserved characters escaped, as nginx escapes
     * {@code $ssl_client_escaped_cert}.
     */
    public static String component(String ascii) {
        return escape(ascii, (text, i) -> {
            char c = text.charAt(i);
            return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || "-._~".indexOf(c) >= 0;
        });
    }

    /** Which chars of a one-char-per-byte text stay as they are. */
    private interface Kept {
        boolean at(String text, int index);
    }

    private static String escape(String raw, Kept kept) {
        int first = 0;
        while (first < raw.length() && kept.at(raw, first)) {
            first++;
        }
        if (first == raw.length()) {
            return raw;
        }
        StringBuilder into = new StringBuilder(raw.length() + 16).append(raw, 0, first);
        for (int i = first; i < raw.length(); i++) {
            if (kept.at(raw, i)) {
                into.append(raw.charAt(i));
            } else {
                escape(raw.charAt(i) & 0xff, into);
            }
        }
        return into.toString();
    }

    private static boolean plain(int c, String unsafe) {
        return c > 0x20 && c < 0x7f && unsafe.indexOf(c) < 0;
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

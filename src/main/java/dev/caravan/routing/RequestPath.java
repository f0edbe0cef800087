package dev.caravan.routing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The form of a request path that rules are matched against, as nginx normalises it before matching
 * locations: percent-escapes decoded, {@code %2F} to a slash that separates segments as any other (nginx's does: a
 * rule for {@code /admin} guards {@code /admin%2Fsecret}, which pods decode to {@code /admin/secret}), but for
 * {@code %25}, kept as it is so that nothing decodes it twice, and the path's bytes read as UTF-8 (the decoder gives one char per byte, and raw bytes above
 * ASCII spell the same text as their escapes), {@code .} and {@code ..} segments resolved, repeated slashes
 * merged. Without this,
 * {@code /api/../admin} would be matched by a rule for {@code /api} and served as {@code /admin}.
 * The request is still forwarded with the path as the client sent it.
 */
public final class RequestPath {

    private RequestPath() {
    }

    /**
     * The normalised path, or {@code null} when it has a broken escape, an escaped NUL ({@code %00}, which nginx
     * answers 400), or climbs above the root.
     */
    public static String normalize(String raw) {
        if (raw.isEmpty() || raw.charAt(0) != '/') {
            return null;
        }
        if (raw.indexOf('%') < 0 && raw.indexOf("//") < 0 && raw.indexOf("/.") < 0 && ascii(raw)) {
            return raw;
        }
        String decoded = decode(raw);
        return decoded == null ? null : resolveSegments(decoded);
    }

    private static boolean ascii(String raw) {
        for (int i = 0; i < raw.length(); i++) {
            if (raw.charAt(i) > 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static String decode(String raw) {
        if (raw.indexOf('%') < 0 && ascii(raw)) {
            return raw;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c != '%') {
                // one char per byte of the request
                bytes.write((byte) c);
                continue;
            }
            if (i + 2 >= raw.length()) {
                return null;
            }
            int high = Character.digit(raw.charAt(i + 1), 16);
            int low = Character.digit(raw.charAt(i + 2), 16);
            if (high < 0 || low < 0) {
                return null;
            }
            int value = high << 4 | low;
            if (value == 0) {
                return null;
            }
            if (value == '%') {
                bytes.writeBytes(raw.substring(i, i + 3).toUpperCase().getBytes(StandardCharsets.US_ASCII));
            } else {
                bytes.write(value);
            }
            i += 2;
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static String resolveSegments(String path) {
        Deque<String> segments = new ArrayDeque<>();
        String[] parts = path.split("/", -1);
        boolean directory = false;
        for (int i = 1; i < parts.length; i++) {
            String part = parts[i];
            boolean lastPart = i == parts.length - 1;
            if (part.isEmpty() || part.equals(".")) {
                directory = lastPart;
                continue;
            }
            if (part.equals("..")) {
                if (segments.isEmpty()) {
                    return null;
                }
                segments.removeLast();
                directory = lastPart;
                continue;
            }
            segments.addLast(part);
            directory = false;
        }
        StringBuilder normalized = new StringBuilder(path.length());
        for (String segment : segments) {
            normalized.append('/').append(segment);
        }
        if (normalized.length() == 0 || directory) {
            normalized.append('/');
        }
        return normalized.toString();
    }
}

package dev.caravan.gateway;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

/**
 * Where a request is addressed: its authority (Host header, or the authority of an absolute-form
 * request target, which RFC 9112 §3.2.2 says takes precedence) and its path without the query.
 *
 * @param authority host and optional port as the client sent them, or {@code null}
 * @param host      the authority without its port, or {@code null}
 */
record RequestTarget(String authority, String host, String path) {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /**
     * Checks the request target's bytes, which Netty's decoder read one char per byte: control bytes
     * (NUL, DEL, ...) make a bad request, as in nginx. Bytes above ASCII, which RFC 9112 does not allow
     * but clients send, are turned back into the text they spell when it is UTF-8 (so the pod gets them as
     * sent: the encoder writes UTF-8), and percent-encoded otherwise.
     *
     * @return whether the target is one to serve
     */
    static boolean readBytes(HttpRequest request) {
        String uri = request.uri();
        boolean high = false;
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                return false;
            }
            high |= c > 0x7f;
        }
        if (high) {
            byte[] bytes = uri.getBytes(StandardCharsets.ISO_8859_1);
            try {
                request.setUri(StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString());
            } catch (CharacterCodingException notUtf8) {
                request.setUri(percentEncodeHigh(bytes));
            }
        }
        return true;
    }

    private static String percentEncodeHigh(byte[] bytes) {
        StringBuilder encoded = new StringBuilder(bytes.length + 16);
        for (byte b : bytes) {
            if (b < 0) {
                encoded.append('%').append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
            } else {
                encoded.append((char) b);
            }
        }
        return encoded.toString();
    }

    static RequestTarget of(HttpRequest request) {
        String uri = request.uri();
        String authority = request.headers().get(HttpHeaderNames.HOST);
        String pathAndQuery = uri;
        int schemeEnd = uri.indexOf("://");
        if (schemeEnd > 0 && uri.charAt(0) != '/') {
            int authorityStart = schemeEnd + 3;
            int pathStart = uri.indexOf('/', authorityStart);
            int queryStart = uri.indexOf('?', authorityStart);
            int end = pathStart < 0 ? (queryStart < 0 ? uri.length() : queryStart) : pathStart;
            authority = uri.substring(authorityStart, end);
            pathAndQuery = end == uri.length() ? "/" : (uri.charAt(end) == '?' ? "/" + uri.substring(end) : uri.substring(end));
            request.setUri(pathAndQuery);
        }
        int query = pathAndQuery.indexOf('?');
        String path = query < 0 ? pathAndQuery : pathAndQuery.substring(0, query);
        return new RequestTarget(authority, hostOf(authority), path);
    }

    private static String hostOf(String authority) {
        if (authority == null || authority.isEmpty()) {
            return null;
        }
        if (authority.charAt(0) == '[') {
            int close = authority.indexOf(']');
            return close < 0 ? authority : authority.substring(0, close + 1);
        }
        int colon = authority.lastIndexOf(':');
        return colon < 0 ? authority : authority.substring(0, colon);
    }
}

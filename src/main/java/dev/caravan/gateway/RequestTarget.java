package dev.caravan.gateway;

import dev.caravan.routing.RoutingTable;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Where a request is addressed: its authority (Host header, or the authority of an absolute-form
 * request target, which RFC 9112 §3.2.2 says takes precedence) and its path without the query.
 *
 * @param authority host and optional port as the client sent them, or {@code null}
 * @param host      the authority without its port, or {@code null}
 */
record RequestTarget(String authority, String host, String path) {

    /**
     * Whether the request target's bytes, which Netty's decoder read one char per byte, may be served: no
     * control bytes (NUL, DEL, ...), which nginx refuses too, and no {@code #}, which no request target has
     * (RFC 9112 3.2). Bytes above ASCII, which clients send raw, are kept as they are and reach pods unchanged.
     */
    static boolean servable(HttpRequest request) {
        String uri = request.uri();
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c <= ' ' || c == 0x7f || c == '#') {
                return false;
            }
        }
        return true;
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
            // RFC 9112 §3.2.2: the target's host is the request's, whatever Host says; a Camel route reads it there
            request.headers().set(HttpHeaderNames.HOST, authority);
        }
        int query = pathAndQuery.indexOf('?');
        String path = query < 0 ? pathAndQuery : pathAndQuery.substring(0, query);
        return new RequestTarget(authority, RoutingTable.hostOf(authority), path);
    }

    /**
     * Whether the authority is one nginx takes as a host: a host part that is not empty (nor just a dot), no
     * whitespace or control characters, no slash, no empty label ({@code a..b}); nginx answers anything else
     * 400 rather than match it. A backslash is refused too, which nginx on Linux lets by: no host name has one.
     */
    boolean valid() {
        return valid(authority, host);
    }

    /** As {@link #valid()}, for an authority of another source (a Host header beside an absolute-form target). */
    static boolean validAuthority(String authority) {
        return valid(authority, RoutingTable.hostOf(authority));
    }

    private static boolean valid(String authority, String host) {
        if (authority == null) {
            return true;
        }
        if (host == null || host.isEmpty() || host.equals(".")) {
            return false;
        }
        for (int i = 0; i < authority.length(); i++) {
            char c = authority.charAt(i);
            boolean emptyLabel = c == '.' && i > 0 && authority.charAt(i - 1) == '.';
            if (c <= ' ' || c == 0x7f || c == '/' || c == '\\' || emptyLabel) {
                return false;
            }
        }
        return true;
    }
}

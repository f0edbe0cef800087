package dev.caravan.upstream;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;

/**
 * Removes from a message's trailers the fields a trailer may not carry (RFC 9110 §6.5.1): those that
 * frame the message, route it, modify the request, authenticate, control the response or describe the
 * content, and the hop-by-hop ones. A recipient that folds trailers into the header section (as some
 * servers and clients do) would otherwise take a second {@code Host} or {@code Content-Length} from the
 * client or the pod, after the proxy has routed and framed the message. Other trailers, such as gRPC's
 * status fields, pass on.
 */
final class TrailerFields {

    /** Beside the hop-by-hop fields (Transfer-Encoding, TE, Trailer, Proxy-*): {@link HopByHopHeaders} has those. */
    private static final CharSequence[] FORBIDDEN = {
        HttpHeaderNames.CONTENT_LENGTH, HttpHeaderNames.HOST,
        HttpHeaderNames.CACHE_CONTROL, HttpHeaderNames.EXPECT, HttpHeaderNames.MAX_FORWARDS, HttpHeaderNames.PRAGMA,
        HttpHeaderNames.RANGE, HttpHeaderNames.IF_MATCH, HttpHeaderNames.IF_NONE_MATCH,
        HttpHeaderNames.IF_MODIFIED_SINCE, HttpHeaderNames.IF_UNMODIFIED_SINCE, HttpHeaderNames.IF_RANGE,
        HttpHeaderNames.AUTHORIZATION, HttpHeaderNames.WWW_AUTHENTICATE, HttpHeaderNames.COOKIE,
        HttpHeaderNames.SET_COOKIE, HttpHeaderNames.AGE, HttpHeaderNames.DATE, HttpHeaderNames.EXPIRES,
        HttpHeaderNames.LOCATION, HttpHeaderNames.RETRY_AFTER, HttpHeaderNames.VARY, HttpHeaderNames.CONTENT_ENCODING,
        HttpHeaderNames.CONTENT_TYPE, HttpHeaderNames.CONTENT_RANGE,
        // what Caravan tells pods of the client (X-Forwarded-*, auth-tls-*): a client's own would pass for it
        AsciiString.cached("x-forwarded-for"), AsciiString.cached("x-forwarded-host"),
        AsciiString.cached("x-forwarded-port"), AsciiString.cached("x-forwarded-proto"),
        AsciiString.cached("x-forwarded-prefix"), AsciiString.cached("x-real-ip"),
        AsciiString.cached("ssl-client-verify"), AsciiString.cached("ssl-client-subject-dn"),
        AsciiString.cached("ssl-client-issuer-dn"), AsciiString.cached("ssl-client-cert"),
    };

    private TrailerFields() {
    }

    /** Cleans {@code last}'s trailers in place, if it has any. */
    static void clean(LastHttpContent last) {
        HttpHeaders trailers = last.trailingHeaders();
        if (trailers.isEmpty()) {
            return;
        }
        HopByHopHeaders.strip(trailers);
        for (CharSequence name : FORBIDDEN) {
            trailers.remove(name);
        }
        // as headers, such names are dropped (a CGI-style server reads x_forwarded_for as X-Forwarded-For)
        UnderscoredHeaders.drop(trailers);
    }
}

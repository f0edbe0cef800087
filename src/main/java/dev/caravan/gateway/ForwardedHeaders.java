package dev.caravan.gateway;

import dev.caravan.routing.RequestFacts;
import dev.caravan.upstream.HopByHopHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.util.List;

/**
 * Turns a client's request head into the one sent to a pod, as ingress-nginx does by default: the
 * original Host kept, hop-by-hop headers dropped, and the {@code X-Forwarded-*} family, {@code X-Forwarded-For}
 * included, set from what this connection saw, or from what trusted load balancers in front say ({@link ClientView}):
 * anyone else's values of those are replaced, never passed on.
 */
final class ForwardedHeaders {

    // AsciiString names hash once, not on every lookup; the names sent are the same
    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("X-Forwarded-For");
    private static final AsciiString X_REAL_IP = AsciiString.cached("X-Real-IP");
    private static final AsciiString X_FORWARDED_HOST = AsciiString.cached("X-Forwarded-Host");
    private static final AsciiString X_FORWARDED_PORT = AsciiString.cached("X-Forwarded-Port");
    private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("X-Forwarded-Proto");
    private static final AsciiString X_FORWARDED_SCHEME = AsciiString.cached("X-Forwarded-Scheme");
    private static final AsciiString X_SCHEME = AsciiString.cached("X-Scheme");
    private static final AsciiString X_ORIGINAL_FORWARDED_FOR = AsciiString.cached("X-Original-Forwarded-For");
    private static final AsciiString X_REQUEST_ID = AsciiString.cached("X-Request-ID");
    private static final AsciiString X_ORIGINAL_FORWARDED_HOST = AsciiString.cached("X-Original-Forwarded-Host");
    /** CGI servers read it as the HTTP_PROXY setting (httpoxy): never a client's to send, as ingress-nginx. */
    private static final AsciiString PROXY = AsciiString.cached("Proxy");

    private ForwardedHeaders() {
    }

    /**
     * @param host               the Host the pod is sent: the client's, or what a trusted load balancer says it asked for
     * @param forwardedForHeader where load balancers name the client: what came in it goes on as
     *                           {@code X-Original-Forwarded-For}, as ingress-nginx sends it
     * @param requestId          the request's {@code $request_id} if a header value read it, else {@code null}: the
     *                           X-Request-ID when the client sent none, as ingress-nginx's {@code $req_id}
     */
    static void apply(HttpRequest request, String host, ClientView client, String forwardedForHeader,
            String requestId) {
        HttpHeaders headers = request.headers();
        // the body's framing, as the decoder read it, survives whatever Connection lists
        boolean chunked = HttpUtil.isTransferEncodingChunked(request);
        String transferEncoding = headers.get(HttpHeaderNames.TRANSFER_ENCODING);
        String contentLength = headers.get(HttpHeaderNames.CONTENT_LENGTH);
        // as the client sent it, before Connection can name it away; lines joined as nginx joins them
        String originalHost = headers.get(X_FORWARDED_HOST);
        List<String> originalHosts = originalHost == null ? null : headers.getAll(X_FORWARDED_HOST);
        HopByHopHeaders.strip(headers);
        if (originalHost == null) {
            headers.remove(X_ORIGINAL_FORWARDED_HOST);
        } else {
            headers.set(X_ORIGINAL_FORWARDED_HOST, originalHosts.size() == 1 ? originalHost
                    : String.join(", ", originalHosts));
        }
        if (chunked) {
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, transferEncoding);
            headers.remove(HttpHeaderNames.CONTENT_LENGTH);
        } else if (contentLength != null) {
            headers.set(HttpHeaderNames.CONTENT_LENGTH, contentLength);
        }
        headers.set(HttpHeaderNames.HOST, host);
        String original = headers.get(forwardedForHeader);
        if (original == null) {
            headers.remove(X_ORIGINAL_FORWARDED_FOR);
        } else {
            List<String> lines = headers.getAll(forwardedForHeader);
            headers.set(X_ORIGINAL_FORWARDED_FOR, lines.size() == 1 ? original : String.join(", ", lines));
        }
        headers.remove(PROXY);
        headers.set(X_FORWARDED_FOR, client.forwardedFor());
        headers.set(X_REAL_IP, client.clientIp());
        headers.set(X_FORWARDED_HOST, host);
        headers.set(X_FORWARDED_PORT, client.port());
        headers.set(X_FORWARDED_PROTO, client.scheme());
        // the names some frameworks read the scheme under (Rack, Django setups): never the client's to set
        headers.set(X_FORWARDED_SCHEME, client.scheme());
        headers.set(X_SCHEME, client.scheme());
        if (!RequestFacts.passedOn(headers.get(X_REQUEST_ID))) {
            headers.set(X_REQUEST_ID, requestId != null ? requestId : RequestFacts.newRequestId());
        }
        // pods always get HTTP/1.1 so that the pooled connection stays open whatever the client speaks
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
    }
}

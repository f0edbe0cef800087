package dev.caravan.gateway;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;

/**
 * A request head as Caravan's decoders hand it on, knowing whether the request ended with it. Most
 * requests (every GET) have no body; such a head stands for the head and its empty last content, which
 * then need not travel the pipeline as a message of their own. The gateway reads the end as if it had
 * followed.
 */
final class DecodedRequest extends DefaultHttpRequest {

    private boolean bodiless;

    DecodedRequest(HttpVersion version, HttpMethod method, String uri, HttpHeadersFactory headers) {
        super(version, method, uri, headers);
    }

    DecodedRequest(HttpVersion version, HttpMethod method, String uri, HttpHeaders headers) {
        super(version, method, uri, headers);
    }

    /** Whether the request ended with its head: no content follows it. */
    boolean bodiless() {
        return bodiless;
    }

    void endsHere() {
        bodiless = true;
    }
}

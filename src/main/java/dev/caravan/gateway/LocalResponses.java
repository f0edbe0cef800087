package dev.caravan.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * Responses Caravan makes itself (errors, redirects): short plain text naming the status, never a
 * stack trace and never anything taken from the request.
 */
final class LocalResponses {

    private LocalResponses() {
    }

    /**
     * A redirect: {@code location} comes from the operator's annotation, with what a request fills in escaped where a
     * URL cannot hold it.
     */
    static FullHttpResponse redirect(HttpResponseStatus status, String location, boolean keepAlive, boolean head) {
        FullHttpResponse response = of(status, keepAlive, head);
        response.headers().set(HttpHeaderNames.LOCATION, location);
        return response;
    }

    /** 204 with nothing: the answer to a CORS preflight. */
    static FullHttpResponse noContent(boolean keepAlive) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }

    static FullHttpResponse of(HttpResponseStatus status, boolean keepAlive, boolean head) {
        return of(status, null, keepAlive, head);
    }

    /** @param detail what went wrong, a sentence of Caravan's own, or {@code null} */
    static FullHttpResponse of(HttpResponseStatus status, String detail, boolean keepAlive, boolean head) {
        byte[] text = (status.code() + " " + status.reasonPhrase() + (detail == null ? "" : ": " + detail) + "\n")
                .getBytes(StandardCharsets.US_ASCII);
        ByteBuf body = head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(text);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, text.length);
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }
}

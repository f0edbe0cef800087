package dev.caravan.upstream;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.InetSocketAddress;

/** How a proxied request ends, told to the client side that started it. Called on the client's event loop. */
public interface ProxyCallListener {

    /** A try on {@code endpoint} begins (the first, or another after a failure). */
    default void attempting(InetSocketAddress endpoint) {
    }

    /** The try has its connection: a new one after {@code connectNanos}, or a pooled one (0). */
    default void upstreamConnected(long connectNanos) {
    }

    /**
     * The pod switched protocols as the client asked ({@code 101}, e.g. to WebSocket): {@code pod} is no
     * longer the call's nor the pool's, and the two connections are to be joined byte for byte. Called
     * while the pod's connection is reading: its pipeline must be changed before this returns.
     */
    default void upgraded(HttpResponse response, Channel pod, InetSocketAddress endpoint) {
        pod.close();
    }

    /**
     * The pod answered (a final status, or 101), {@code headerNanos} after the try began, with {@code response} as it
     * sent it; whether the answer goes to the client is decided next (an intercepted status, another pod tried).
     */
    default void podAnswered(HttpResponse response, long headerNanos) {
    }

    /** The try timed out without an answer and another follows (nginx logs it 504; other failed tries 502). */
    default void tryTimedOut() {
    }

    /** The call can take more of the client's request body: read the next piece. */
    void requestBody();

    /** The response head from {@code endpoint} is about to go to the client: the last chance to add headers. */
    void responseHead(HttpResponse response, InetSocketAddress endpoint);

    /** The pod answered {@code status}, one of those to intercept (custom-http-errors): nothing was sent yet. */
    void intercepted(int status);

    /** The whole response was written; the client connection may serve its next request if {@code keepOpen}. */
    void completed(boolean keepOpen);

    /**
     * No response could be had: the client side answers with {@code status}.
     *
     * @param requestComplete whether the client's whole request was read, so its connection can be reused
     */
    void failed(HttpResponseStatus status, String reason, boolean requestComplete);

    /** The response broke off after it had started; the client connection must be closed. */
    void aborted(String reason);
}

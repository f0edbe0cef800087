package dev.caravan.gateway;

import java.net.InetSocketAddress;

/**
 * Told of every TCP service connection and UDP session once it has ended (the access log, the metrics); called on its
 * event loop.
 */
@FunctionalInterface
public interface StreamObserver {

    /** @param client the client as the connection's PROXY protocol header named it, else its peer */
    void closed(StreamSession session, InetSocketAddress client);

    /** Both told, in this order; either may be {@code null}, and then the other is the observer. */
    static StreamObserver both(StreamObserver first, StreamObserver second) {
        if (first == null || second == null) {
            return first == null ? second : first;
        }
        return (session, client) -> {
            first.closed(session, client);
            second.closed(session, client);
        };
    }
}

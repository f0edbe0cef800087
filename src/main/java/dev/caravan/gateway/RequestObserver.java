package dev.caravan.gateway;

import java.util.List;

/**
 * Told of every request once its response is written (access logs, metrics). Called on the event
 * loop: it must not block, and the record is only valid during the call.
 */
@FunctionalInterface
public interface RequestObserver {

    void completed(RequestRecord record);

    /**
     * The request headers this observer reads from records ({@link RequestRecord#header}), as nginx names them in
     * variables: lower case, {@code _} for {@code -}. Their values are kept as the client sent them.
     */
    default List<String> requestHeaders() {
        return List.of();
    }

    /**
     * Whether this observer reads the connection's address, TLS, serial number or request count
     * ({@link RequestRecord#server()}, {@link RequestRecord#connection()}, ...).
     */
    default boolean readsConnection() {
        return false;
    }

    /** The response headers this observer reads from records ({@link RequestRecord#sentHeader}), named as above. */
    default List<String> responseHeaders() {
        return List.of();
    }

    /** The pod response headers this observer reads from records ({@link RequestRecord#upstreamHeader}), named as above. */
    default List<String> upstreamHeaders() {
        return List.of();
    }

    /**
     * The requests finished in one pass of an event loop, in order; an observer that writes (the access log)
     * takes them at once to hand its writer one batch.
     */
    default void completed(List<RequestRecord> records) {
        for (int i = 0; i < records.size(); i++) {
            completed(records.get(i));
        }
    }
}

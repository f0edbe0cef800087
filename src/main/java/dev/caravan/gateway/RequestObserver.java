package dev.caravan.gateway;

/**
 * Told of every request once its response is written (access logs, metrics). Called on the event
 * loop: it must not block, and the record is only valid during the call.
 */
@FunctionalInterface
public interface RequestObserver {

    void completed(RequestRecord record);
}

package dev.caravan.gateway;

import java.net.InetSocketAddress;

/** Told of every TCP service connection once it has closed (the access log); called on its event loop. */
@FunctionalInterface
public interface StreamObserver {

    /** @param client the client as the connection's PROXY protocol header named it, else its peer */
    void closed(StreamSession session, InetSocketAddress client);
}

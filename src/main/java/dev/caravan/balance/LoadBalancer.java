package dev.caravan.balance;

import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.List;

/** Chooses the endpoint of a backend for one attempt of a request. Implementations are thread-safe. */
public interface LoadBalancer {

    /**
     * @param endpoints the backend's endpoints, never empty
     * @param tried     endpoints this request already failed on; avoided while others remain
     */
    InetSocketAddress choose(List<InetSocketAddress> endpoints, Collection<InetSocketAddress> tried);

    /** A request went to {@code endpoint}; for balancers that weigh load. */
    default void started(InetSocketAddress endpoint) {
    }

    /** A request to {@code endpoint} ended after {@code elapsedNanos} (or failed); for balancers that weigh latency. */
    default void finished(InetSocketAddress endpoint, long elapsedNanos) {
    }
}

package dev.caravan.upstream;

import dev.caravan.routing.Backend;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Endpoints an operator drained: they get no new requests (requests in flight finish) until undrained.
 * A backend whose every endpoint is drained answers 503, as one without ready endpoints does.
 */
public final class EndpointDrains {

    private final Set<InetSocketAddress> drained = ConcurrentHashMap.newKeySet();

    /** @return whether this changed anything */
    public boolean drain(InetSocketAddress endpoint) {
        return drained.add(endpoint);
    }

    /** @return whether this changed anything */
    public boolean undrain(InetSocketAddress endpoint) {
        return drained.remove(endpoint);
    }

    public boolean isDrained(InetSocketAddress endpoint) {
        return !drained.isEmpty() && drained.contains(endpoint);
    }

    public Set<InetSocketAddress> drained() {
        return Set.copyOf(drained);
    }

    /** Forgets drains of endpoints no backend has any more: a later pod may reuse the address. */
    public void retain(Set<InetSocketAddress> endpoints) {
        drained.retainAll(endpoints);
    }

    /** Whether the backend has endpoints and all of them are drained. */
    public boolean allDrained(Backend backend) {
        if (drained.isEmpty() || !backend.hasEndpoints()) {
            return false;
        }
        for (InetSocketAddress endpoint : backend.endpoints()) {
            if (!drained.contains(endpoint)) {
                return false;
            }
        }
        return true;
    }

    /** Adds the backend's drained endpoints to {@code avoided}. */
    void addDrainedOf(Backend backend, Collection<InetSocketAddress> avoided) {
        if (!drained.isEmpty()) {
            for (InetSocketAddress endpoint : backend.endpoints()) {
                if (drained.contains(endpoint)) {
                    avoided.add(endpoint);
                }
            }
        }
    }
}

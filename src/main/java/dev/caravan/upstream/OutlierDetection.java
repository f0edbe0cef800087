package dev.caravan.upstream;

import dev.caravan.routing.Backend;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Passive health of pod endpoints: an endpoint that fails several requests in a row (refused or
 * failed connects, resets before an answer, timeouts; not the pod's own 5xx) is ejected for a while
 * and gets no new requests while its backend has others. Ejection never empties a backend: when every
 * endpoint is ejected, they are all tried as if none were. The first success clears the count.
 */
public final class OutlierDetection {

    private static final class Health {
        int consecutiveFailures;
        long ejectedUntilNanos;
    }

    private final int failuresToEject;
    private final long ejectionNanos;
    private final Map<InetSocketAddress, Health> byEndpoint = new ConcurrentHashMap<>();
    private final AtomicLong ejections = new AtomicLong();

    /**
     * @param failuresToEject consecutive failures that eject an endpoint (0: never)
     * @param ejectionNanos   how long an ejection lasts
     */
    public OutlierDetection(int failuresToEject, long ejectionNanos) {
        this.failuresToEject = failuresToEject;
        this.ejectionNanos = ejectionNanos;
    }

    public static OutlierDetection defaults() {
        return new OutlierDetection(3, 10_000_000_000L);
    }

    void failed(InetSocketAddress endpoint) {
        if (failuresToEject == 0) {
            return;
        }
        Health health = byEndpoint.computeIfAbsent(endpoint, e -> new Health());
        synchronized (health) {
            if (++health.consecutiveFailures >= failuresToEject && !ejected(health, System.nanoTime())) {
                health.ejectedUntilNanos = System.nanoTime() + ejectionNanos;
                health.consecutiveFailures = 0;
                ejections.incrementAndGet();
            }
        }
    }

    void succeeded(InetSocketAddress endpoint) {
        if (!byEndpoint.isEmpty()) {
            byEndpoint.remove(endpoint);
        }
    }

    public boolean isEjected(InetSocketAddress endpoint) {
        Health health = byEndpoint.get(endpoint);
        return health != null && ejected(health, System.nanoTime());
    }

    /** Ejections so far. */
    public long ejections() {
        return ejections.get();
    }

    /** The endpoints ejected now. */
    public Set<InetSocketAddress> ejected() {
        long now = System.nanoTime();
        return byEndpoint.entrySet().stream().filter(e -> ejected(e.getValue(), now)).map(Map.Entry::getKey)
                .collect(Collectors.toUnmodifiableSet());
    }

    /** Adds the backend's ejected endpoints to {@code avoided}, unless that would leave nothing to try. */
    void addEjectedOf(Backend backend, Collection<InetSocketAddress> avoided) {
        if (byEndpoint.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        List<InetSocketAddress> ejectedHere = new ArrayList<>();
        for (InetSocketAddress endpoint : backend.endpoints()) {
            Health health = byEndpoint.get(endpoint);
            if (health != null && ejected(health, now) && !avoided.contains(endpoint)) {
                ejectedHere.add(endpoint);
            }
        }
        if (!ejectedHere.isEmpty() && avoided.size() + ejectedHere.size() < backend.endpoints().size()) {
            avoided.addAll(ejectedHere);
        }
    }

    /** Forgets endpoints that are no longer in any backend. */
    public void retain(Set<InetSocketAddress> endpoints) {
        byEndpoint.keySet().retainAll(endpoints);
    }

    private static boolean ejected(Health health, long now) {
        return health.ejectedUntilNanos != 0 && now - health.ejectedUntilNanos < 0;
    }
}

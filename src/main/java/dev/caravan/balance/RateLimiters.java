package dev.caravan.balance;

import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.RoutePolicy;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The live state of every Ingress's rate limits, kept across routing-table versions (a configuration
 * change does not reset a client's budget unless the limit itself changed). Bounded: at most
 * {@value #MAX_LIMITERS} limiters, each remembering at most {@value ClientLimiter#MAX_CLIENTS} client
 * addresses, least recently seen first out.
 */
public final class RateLimiters {

    static final int MAX_LIMITERS = 4096;

    private record Key(ObjectRef ingress, RoutePolicy.RateLimit limit) {
    }

    private final Map<Key, ClientLimiter> limiters = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, ClientLimiter> eldest) {
            return size() > MAX_LIMITERS;
        }
    };

    public synchronized ClientLimiter forIngress(ObjectRef ingress, RoutePolicy.RateLimit limit) {
        return limiters.computeIfAbsent(new Key(ingress, limit), key -> new ClientLimiter(limit));
    }
}

package dev.caravan.compile;

import dev.caravan.routing.Backend;
import dev.caravan.routing.ObjectRef;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The backends resolved from each Service, kept from one compilation to the next until the Service, its
 * EndpointSlices or its Endpoints change, or no Ingress names it any more. A host rebuilt for another reason
 * then keeps the very backend it had, with its balancer's state (EWMA latencies, round-robin position).
 *
 * <p>A compilation works on a copy ({@link #next()}); the copy shares the per-Service maps it has not changed,
 * so the previous compilation's cache is never altered.
 */
final class BackendCache {

    private final Map<ObjectRef, Map<String, Backend>> byService;
    private final Set<ObjectRef> owned = new HashSet<>();

    BackendCache() {
        this(new HashMap<>());
    }

    private BackendCache(Map<ObjectRef, Map<String, Backend>> byService) {
        this.byService = byService;
    }

    /** A copy to change for the next compilation. */
    BackendCache next() {
        return new BackendCache(new HashMap<>(byService));
    }

    Backend computeIfAbsent(ObjectRef service, String key, Function<String, Backend> resolve) {
        Map<String, Backend> backends = byService.get(service);
        Backend backend = backends == null ? null : backends.get(key);
        if (backend != null) {
            return backend;
        }
        backend = resolve.apply(key);
        if (owned.add(service)) {
            backends = backends == null ? new HashMap<>() : new HashMap<>(backends);
            byService.put(service, backends);
        }
        backends.put(key, backend);
        return backend;
    }

    /** Forgets a Service's backends: it changed, or is no longer named. */
    void forget(ObjectRef service) {
        byService.remove(service);
        owned.remove(service);
    }
}

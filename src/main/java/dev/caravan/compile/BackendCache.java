package dev.caravan.compile;

import dev.caravan.collect.ShardedMap;
import dev.caravan.routing.Backend;
import dev.caravan.routing.ObjectRef;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The backends resolved from each Service, kept from one compilation to the next until the Service, its
 * EndpointSlices or its Endpoints change, or no Ingress names it any more. A host rebuilt for another reason
 * then keeps the very backend it had, with its balancer's state (EWMA latencies, round-robin position).
 *
 * <p>A compilation works on an {@link Editor}; the previous compilation's cache is never altered.
 */
final class BackendCache {

    static final BackendCache EMPTY = new BackendCache(ShardedMap.of());

    private final ShardedMap<ObjectRef, Map<String, Backend>> byService;

    private BackendCache(ShardedMap<ObjectRef, Map<String, Backend>> byService) {
        this.byService = byService;
    }

    /** An editor for the next compilation's cache; this one does not change. */
    Editor edit() {
        return new Editor(byService.edit());
    }

    static final class Editor {

        private final ShardedMap.Editor<ObjectRef, Map<String, Backend>> byService;

        private Editor(ShardedMap.Editor<ObjectRef, Map<String, Backend>> byService) {
            this.byService = byService;
        }

        Backend computeIfAbsent(ObjectRef service, String key, Function<String, Backend> resolve) {
            Map<String, Backend> backends = byService.get(service);
            Backend backend = backends == null ? null : backends.get(key);
            if (backend != null) {
                return backend;
            }
            backend = resolve.apply(key);
            Map<String, Backend> more = backends == null ? new HashMap<>() : new HashMap<>(backends);
            more.put(key, backend);
            byService.put(service, Map.copyOf(more));
            return backend;
        }

        /** Forgets a Service's backends: it changed, or is no longer named. */
        void forget(ObjectRef service) {
            byService.remove(service);
        }

        BackendCache build() {
            return new BackendCache(byService.build());
        }
    }
}

package dev.caravan.state;

import dev.caravan.routing.ObjectRef;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * One immutable version of everything Caravan knows about the cluster: the latest object of each
 * watched kind by namespace and name. It knows nothing about HTTP.
 */
public final class ClusterState {

    public static final ClusterState EMPTY = new ClusterState(0, new EnumMap<>(ResourceKind.class));

    private final long version;
    private final Map<ResourceKind, Map<ObjectRef, HasMetadata>> objects;

    ClusterState(long version, Map<ResourceKind, Map<ObjectRef, HasMetadata>> objects) {
        this.version = version;
        this.objects = objects;
    }

    public long version() {
        return version;
    }

    /** The objects of one kind; typed by the kind's class. */
    @SuppressWarnings("unchecked")
    public <T extends HasMetadata> Collection<T> all(ResourceKind kind) {
        return (Collection<T>) objects.getOrDefault(kind, Map.of()).values();
    }

    @SuppressWarnings("unchecked")
    public <T extends HasMetadata> T get(ResourceKind kind, ObjectRef ref) {
        return (T) objects.getOrDefault(kind, Map.of()).get(ref);
    }

    /**
     * The objects of a kind added, removed or replaced since an older version of this state: compared by
     * identity, so an object re-sent unchanged but decoded anew counts as changed. Kinds that did not change
     * share their map with the older version and cost nothing.
     */
    public Set<ObjectRef> changedSince(ClusterState older, ResourceKind kind) {
        Map<ObjectRef, HasMetadata> now = objects.getOrDefault(kind, Map.of());
        Map<ObjectRef, HasMetadata> before = older.objects.getOrDefault(kind, Map.of());
        if (now == before) {
            return Set.of();
        }
        Set<ObjectRef> changed = new HashSet<>();
        now.forEach((ref, object) -> {
            if (before.get(ref) != object) {
                changed.add(ref);
            }
        });
        before.keySet().forEach(ref -> {
            if (!now.containsKey(ref)) {
                changed.add(ref);
            }
        });
        return changed;
    }

    public int size(ResourceKind kind) {
        return objects.getOrDefault(kind, Map.of()).size();
    }

    /** A later version in which the given kinds are replaced and every other kind is shared with this one. */
    ClusterState replacing(long nextVersion, Map<ResourceKind, Map<ObjectRef, HasMetadata>> replaced) {
        Map<ResourceKind, Map<ObjectRef, HasMetadata>> next = new EnumMap<>(ResourceKind.class);
        next.putAll(objects);
        next.putAll(replaced);
        return new ClusterState(nextVersion, next);
    }

    /** A new version with the changes applied; only the kinds that changed are copied. */
    public ClusterState with(Iterable<Change> changes) {
        Map<ResourceKind, Map<ObjectRef, HasMetadata>> next = new EnumMap<>(ResourceKind.class);
        next.putAll(objects);
        Map<ResourceKind, Map<ObjectRef, HasMetadata>> copied = new EnumMap<>(ResourceKind.class);
        for (Change change : changes) {
            ResourceKind kind = change.kind();
            Map<ObjectRef, HasMetadata> byName = copied.computeIfAbsent(kind, k -> {
                Map<ObjectRef, HasMetadata> copy = new HashMap<>(objects.getOrDefault(k, Map.of()));
                next.put(k, copy);
                return copy;
            });
            if (change.deleted()) {
                byName.remove(change.ref());
            } else {
                byName.put(change.ref(), change.object());
            }
        }
        return new ClusterState(version + 1, next);
    }

    /** The reference of an object as the state keys it; a missing namespace means {@code default}. */
    public static ObjectRef refOf(HasMetadata object) {
        ResourceKind kind = ResourceKind.of(object);
        String namespace = object.getMetadata().getNamespace();
        if (kind != null && !kind.namespaced()) {
            namespace = "";
        } else if (namespace == null || namespace.isEmpty()) {
            namespace = "default";
        }
        return new ObjectRef(namespace, object.getMetadata().getName());
    }
}

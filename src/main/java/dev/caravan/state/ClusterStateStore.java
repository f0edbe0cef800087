package dev.caravan.state;

import dev.caravan.collect.ShardedMap;
import dev.caravan.routing.ObjectRef;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/**
 * Holds the latest objects of every watched kind. Sources apply changes as they come, one object at a
 * time from informers or a batch from a folder scan, and that costs a map update, not a copy; an
 * immutable {@link ClusterState} snapshot is made only when someone (the compiler) asks for it, from the
 * previous snapshot and the objects that changed since, sharing the rest. Listeners hear that something
 * changed and read {@link #current()} when they are ready to.
 */
public final class ClusterStateStore {

    private final Map<ResourceKind, Map<ObjectRef, HasMetadata>> objects = new EnumMap<>(ResourceKind.class);
    private final Map<ResourceKind, Set<ObjectRef>> changedSinceSnapshot = new EnumMap<>(ResourceKind.class);
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private long version;
    private ExternalNames externalNames = ExternalNames.NONE;
    private Placement placement = Placement.UNKNOWN;
    private ClusterState snapshot = ClusterState.EMPTY;
    private final UnaryOperator<HasMetadata> reading;

    public ClusterStateStore() {
        this(UnaryOperator.identity());
    }

    /** @param reading how an object is read into the state ({@link AnnotationPrefix}) */
    public ClusterStateStore(UnaryOperator<HasMetadata> reading) {
        this.reading = reading;
        for (ResourceKind kind : ResourceKind.values()) {
            objects.put(kind, new HashMap<>());
        }
    }

    /** The latest state as an immutable snapshot. */
    public synchronized ClusterState current() {
        if (snapshot.version() != version) {
            Map<ResourceKind, ShardedMap.Editor<ObjectRef, HasMetadata>> editors = new EnumMap<>(ResourceKind.class);
            changedSinceSnapshot.forEach((kind, refs) -> {
                ShardedMap.Editor<ObjectRef, HasMetadata> editor = snapshot.edit(kind);
                Map<ObjectRef, HasMetadata> latest = objects.get(kind);
                for (ObjectRef ref : refs) {
                    HasMetadata object = latest.get(ref);
                    if (object == null) {
                        editor.remove(ref);
                    } else {
                        editor.put(ref, object);
                    }
                }
                editors.put(kind, editor);
            });
            snapshot = snapshot.next(version, editors, externalNames, placement);
            changedSinceSnapshot.clear();
        }
        return snapshot;
    }

    /** The version the next snapshot will have; it grows with every effective change. */
    public synchronized long version() {
        return version;
    }

    /** Registers a listener told, on the applying thread, after every effective change. */
    public void addListener(Runnable listener) {
        listeners.add(listener);
    }

    /** Replaces what the DNS answered for the ExternalName Services; listeners hear of it when anything differs. */
    public void setExternalNames(ExternalNames answers) {
        changed(() -> {
            boolean differs = !answers.equals(externalNames);
            externalNames = answers;
            return differs;
        });
    }

    /**
     * A new version with the same objects, for a change of what the compiler reads besides them (an operator taking an
     * Ingress out of service): the table compiled then has a version of its own.
     */
    public void bump() {
        changed(() -> true);
    }

    /** Sets where this replica runs, once found; listeners hear of it when it differs. */
    public void setPlacement(Placement found) {
        changed(() -> {
            boolean differs = !Objects.equals(found, placement);
            placement = found;
            return differs;
        });
    }

    /** Runs {@code edit} under the store's lock; when it changed something, a new version, told to the listeners. */
    private void changed(java.util.function.BooleanSupplier edit) {
        synchronized (this) {
            if (!edit.getAsBoolean()) {
                return;
            }
            version++;
        }
        listeners.forEach(Runnable::run);
    }

    public void apply(List<Change> changes) {
        boolean changed = false;
        synchronized (this) {
            for (Change change : changes) {
                changed |= applyOne(change);
            }
            if (changed) {
                version++;
            }
        }
        if (changed) {
            listeners.forEach(Runnable::run);
        }
    }

    private boolean applyOne(Change change) {
        Map<ObjectRef, HasMetadata> byName = objects.get(change.kind());
        if (change.deleted()) {
            if (byName.remove(change.ref()) == null) {
                return false;
            }
        } else {
            HasMetadata previous = byName.get(change.ref());
            if (previous != null && sameVersion(previous, change.object())) {
                // a resync of what is held: not read (copied) again
                return false;
            }
            byName.put(change.ref(), reading.apply(change.object()));
        }
        changedSinceSnapshot.computeIfAbsent(change.kind(), kind -> new HashSet<>()).add(change.ref());
        return true;
    }

    /** Whether an update is a resync of what is already held (same non-empty resourceVersion). */
    private static boolean sameVersion(HasMetadata previous, HasMetadata next) {
        String before = previous.getMetadata().getResourceVersion();
        return before != null && !before.isEmpty() && Objects.equals(before, next.getMetadata().getResourceVersion());
    }
}

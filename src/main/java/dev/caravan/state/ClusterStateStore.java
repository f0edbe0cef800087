package dev.caravan.state;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Holds the latest {@link ClusterState}. Sources apply changes; listeners (the compiler) are told of
 * every new version. Changes are applied one batch at a time, so every version is a consistent cut.
 */
public final class ClusterStateStore {

    private volatile ClusterState current = ClusterState.EMPTY;
    private final List<Consumer<ClusterState>> listeners = new CopyOnWriteArrayList<>();

    public ClusterState current() {
        return current;
    }

    public void addListener(Consumer<ClusterState> listener) {
        listeners.add(listener);
    }

    public void apply(List<Change> changes) {
        if (changes.isEmpty()) {
            return;
        }
        ClusterState next;
        synchronized (this) {
            next = current.with(changes);
            current = next;
        }
        for (Consumer<ClusterState> listener : listeners) {
            listener.accept(next);
        }
    }
}

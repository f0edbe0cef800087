package dev.caravan.source;

/** A source of cluster state, as readiness sees it. */
public interface StateSource {

    /** Whether the source has delivered a complete first picture of its objects. */
    boolean synced();

    /** The store version that holds that first complete picture; meaningful once {@link #synced()}. */
    long syncedVersion();

    /** Registers what to run once, right after the source first becomes synced. */
    void onSynced(Runnable callback);
}

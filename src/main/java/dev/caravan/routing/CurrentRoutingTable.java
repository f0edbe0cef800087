package dev.caravan.routing;

/**
 * The routing table in force. Readers take one version per request; the compiler swaps whole tables.
 * Until the first table compiled from a synced source arrives, Caravan is not serving: a request then
 * gets 503, never a 404 for a host that exists but has not been read yet.
 */
public final class CurrentRoutingTable {

    private volatile RoutingTable table = RoutingTable.EMPTY;
    private volatile boolean serving;

    public RoutingTable get() {
        return table;
    }

    /** Whether the table in force was compiled from a source that had synced. */
    public boolean serving() {
        return serving;
    }

    /** @param fromSyncedSource whether the table reflects a complete first picture of the cluster */
    public void set(RoutingTable next, boolean fromSyncedSource) {
        table = next;
        if (fromSyncedSource) {
            serving = true;
        }
    }
}

package dev.caravan.routing;

import java.util.concurrent.atomic.AtomicReference;

/** The routing table in force. Readers take one version per request; the compiler swaps whole tables. */
public final class CurrentRoutingTable {

    private final AtomicReference<RoutingTable> current = new AtomicReference<>(RoutingTable.EMPTY);

    public RoutingTable get() {
        return current.get();
    }

    public void set(RoutingTable table) {
        current.set(table);
    }
}

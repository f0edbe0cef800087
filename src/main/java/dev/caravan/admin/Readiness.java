package dev.caravan.admin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Whether Caravan may be sent traffic: every start-up condition (sources synced, routing table
 * compiled from them, listeners bound) has held once. Once ready it stays ready, so a replica does not
 * flap out of its Service on every configuration change.
 */
public final class Readiness {

    private final Map<String, BooleanSupplier> conditions = new LinkedHashMap<>();
    private volatile boolean ready;

    public synchronized Readiness require(String name, BooleanSupplier condition) {
        conditions.put(name, condition);
        return this;
    }

    public boolean ready() {
        if (!ready) {
            ready = pending().isEmpty();
        }
        return ready;
    }

    /** The conditions that have not held yet. */
    public synchronized List<String> pending() {
        List<String> pending = new ArrayList<>();
        conditions.forEach((name, condition) -> {
            if (!condition.getAsBoolean()) {
                pending.add(name);
            }
        });
        return pending;
    }
}

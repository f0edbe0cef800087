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
    private volatile boolean shuttingDown;

    public synchronized Readiness require(String name, BooleanSupplier condition) {
        conditions.put(name, condition);
        return this;
    }

    /** From now on not ready: the replica is draining, and its Service should stop sending to it. */
    public void shutDown() {
        shuttingDown = true;
    }

    public boolean ready() {
        if (shuttingDown) {
            return false;
        }
        if (!ready) {
            ready = pending().isEmpty();
        }
        return ready;
    }

    /** Why not ready, in one line: shutting down, or the conditions waited for. */
    public String notReadyReason() {
        return shuttingDown ? "shutting down" : "waiting for: " + String.join(", ", pending());
    }

    /** The conditions that have not held yet. */
    synchronized List<String> pending() {
        List<String> pending = new ArrayList<>();
        conditions.forEach((name, condition) -> {
            if (!condition.getAsBoolean()) {
                pending.add(name);
            }
        });
        return pending;
    }
}

package dev.caravan.admin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Whether Caravan may be sent traffic: every start-up condition (sources synced, routing table
 * compiled from them, listeners bound) has held once. Once ready it stays ready, so a replica does not
 * flap out of its Service on every configuration change, but for what only an operator changes: a listener's route
 * suspended over JMX answers every request 503, and takes the replica out of its Service until resumed.
 */
public final class Readiness {

    private final Map<String, BooleanSupplier> conditions = new LinkedHashMap<>();
    /** Conditions that must hold at start and after it. */
    private final Map<String, BooleanSupplier> always = new LinkedHashMap<>();
    private volatile boolean ready;
    private volatile boolean shuttingDown;

    public synchronized Readiness require(String name, BooleanSupplier condition) {
        conditions.put(name, condition);
        return this;
    }

    /** A condition of readiness at start and ever after (see the class comment for which). */
    public synchronized Readiness requireAlways(String name, BooleanSupplier condition) {
        always.put(name, condition);
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
            return ready;
        }
        return failing(always, new ArrayList<>()).isEmpty();
    }

    /** Why not ready, in one line: shutting down, or the conditions waited for. */
    public String notReadyReason() {
        return shuttingDown ? "shutting down" : "waiting for: " + String.join(", ", ready
                ? failing(always, new ArrayList<>()) : pending());
    }

    /** The conditions that have not held yet. */
    synchronized List<String> pending() {
        return failing(always, failing(conditions, new ArrayList<>()));
    }

    private synchronized List<String> failing(Map<String, BooleanSupplier> among, List<String> into) {
        among.forEach((name, condition) -> {
            if (!condition.getAsBoolean()) {
                into.add(name);
            }
        });
        return into;
    }
}

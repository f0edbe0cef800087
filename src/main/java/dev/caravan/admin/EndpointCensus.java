package dev.caravan.admin;

import dev.caravan.collect.ShardedMap;
import dev.caravan.routing.Backend;
import dev.caravan.routing.HostRoutes;
import dev.caravan.routing.PathRule;
import dev.caravan.routing.RoutingTable;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which pod addresses the routing table in force sends to, kept up to date from the hosts each new table
 * rebuilt, so that a change to one host of 10,000 costs one host: every host counts each of its endpoints once.
 * Compiler thread only.
 */
final class EndpointCensus {

    private final Map<InetSocketAddress, Integer> hosts = new HashMap<>();
    private RoutingTable counted = RoutingTable.EMPTY;

    /** Counts the table in force instead of the one counted before. */
    void update(RoutingTable table) {
        update(counted.exactHosts(), table.exactHosts());
        update(counted.wildcardHosts(), table.wildcardHosts());
        if (counted.anyHost() != table.anyHost()) {
            count(counted.anyHost(), -1);
            count(table.anyHost(), 1);
        }
        counted.passthrough().values().forEach(backend -> count(backend.endpoints(), -1));
        table.passthrough().values().forEach(backend -> count(backend.endpoints(), 1));
        if (counted.defaultBackend() != null) {
            count(counted.defaultBackend().endpoints(), -1);
        }
        if (table.defaultBackend() != null) {
            count(table.defaultBackend().endpoints(), 1);
        }
        counted = table;
    }

    /** The endpoints of the table counted last; a live view. */
    Set<InetSocketAddress> live() {
        return hosts.keySet();
    }

    private void update(Map<String, HostRoutes> before, Map<String, HostRoutes> after) {
        ShardedMap.forEachChangedKey(before, after, host -> {
            count(before.get(host), -1);
            count(after.get(host), 1);
        });
    }

    private void count(HostRoutes routes, int sign) {
        if (routes == null) {
            return;
        }
        Set<InetSocketAddress> endpoints = new HashSet<>();
        for (PathRule rule : routes.rules()) {
            endpoints.addAll(rule.backend().endpoints());
            if (rule.canary() != null) {
                endpoints.addAll(rule.canary().backend().endpoints());
            }
            if (rule.fallback() != null) {
                endpoints.addAll(rule.fallback().endpoints());
            }
        }
        Backend defaultBackend = routes.defaultBackend();
        if (defaultBackend != null) {
            endpoints.addAll(defaultBackend.endpoints());
        }
        if (routes.defaultRule() != null && routes.defaultRule().fallback() != null) {
            endpoints.addAll(routes.defaultRule().fallback().endpoints());
        }
        count(endpoints, sign);
    }

    private void count(Iterable<InetSocketAddress> endpoints, int sign) {
        for (InetSocketAddress endpoint : endpoints) {
            hosts.merge(endpoint, sign, (a, b) -> a + b == 0 ? null : a + b);
        }
    }
}

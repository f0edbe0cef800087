package dev.caravan.routing;

import dev.caravan.collect.ShardedMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What changed between two routing tables, host by host, for the one log line each change gets.
 *
 * @param added   hosts that have rules now and had none
 * @param removed hosts that had rules and have none now
 * @param changed hosts whose rules, backends or endpoints differ
 */
public record TableChange(List<String> added, List<String> removed, List<String> changed, boolean defaultChanged) {

    private static final int NAMED = 5;

    public static TableChange between(RoutingTable before, RoutingTable after) {
        List<String> added = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        compare(before.exactHosts(), after.exactHosts(), "", added, removed, changed);
        compare(before.wildcardHosts(), after.wildcardHosts(), "*.", added, removed, changed);
        compare(before.anyHost() == null ? Map.of() : Map.of("(any host)", before.anyHost()),
                after.anyHost() == null ? Map.of() : Map.of("(any host)", after.anyHost()), "", added, removed, changed);
        return new TableChange(added, removed, changed, !Objects.equals(before.defaultBackend(), after.defaultBackend())
                || !before.passthrough().equals(after.passthrough()));
    }

    private static void compare(Map<String, HostRoutes> before, Map<String, HostRoutes> after, String prefix,
            List<String> added, List<String> removed, List<String> changed) {
        // only the hosts the two tables do not share are looked at: a host not rebuilt is the same object
        ShardedMap.forEachChangedKey(before, after, host -> {
            HostRoutes old = before.get(host);
            HostRoutes routes = after.get(host);
            if (old == null) {
                added.add(prefix + host);
            } else if (routes == null) {
                removed.add(prefix + host);
            } else if (!old.equals(routes) || !sameEndpoints(old, routes)) {
                changed.add(prefix + host);
            }
        });
    }

    /** Backends compare by name; their endpoints are what moves most. */
    private static boolean sameEndpoints(HostRoutes a, HostRoutes b) {
        for (int i = 0; i < a.rules().size(); i++) {
            PathRule left = a.rules().get(i);
            PathRule right = b.rules().get(i);
            if (!left.backend().endpoints().equals(right.backend().endpoints())
                    || left.canary() != null && right.canary() != null
                    && !left.canary().backend().endpoints().equals(right.canary().backend().endpoints())) {
                return false;
            }
        }
        Backend aFallback = a.defaultRule() == null ? null : a.defaultRule().fallback();
        Backend bFallback = b.defaultRule() == null ? null : b.defaultRule().fallback();
        return (a.defaultBackend() == null || b.defaultBackend() == null
                || a.defaultBackend().endpoints().equals(b.defaultBackend().endpoints()))
                && (aFallback == null || bFallback == null || aFallback.endpoints().equals(bFallback.endpoints()));
    }

    public boolean isEmpty() {
        return added.isEmpty() && removed.isEmpty() && changed.isEmpty() && !defaultChanged;
    }

    /** E.g. {@code +1 host (a.example.com), ~2 hosts (b.example.com, c.example.com)}. */
    public String summary() {
        List<String> parts = new ArrayList<>();
        part(parts, "+", added);
        part(parts, "-", removed);
        part(parts, "~", changed);
        if (defaultChanged) {
            parts.add("default backend or passthrough changed");
        }
        return parts.isEmpty() ? "no change" : String.join(", ", parts);
    }

    private static void part(List<String> parts, String sign, List<String> hosts) {
        if (!hosts.isEmpty()) {
            List<String> named = hosts.stream().sorted().limit(NAMED).toList();
            parts.add(sign + hosts.size() + (hosts.size() == 1 ? " host (" : " hosts (") + String.join(", ", named)
                    + (hosts.size() > NAMED ? ", …" : "") + ")");
        }
    }
}

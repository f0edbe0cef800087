package dev.caravan.admission;

import dev.caravan.routing.HostRoutes;
import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.PathRule;
import dev.caravan.routing.PathType;
import dev.caravan.routing.RoutingTable;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import java.util.ArrayList;
import java.util.List;

/**
 * The paths of a candidate Ingress that another Ingress already serves in the routing table in force:
 * same host, same path (as matched) and same path type. Each host is one map lookup in the table, then
 * a look at that host's own rules, so the cost does not grow with the number of Ingresses.
 */
final class PathConflicts {

    private PathConflicts() {
    }

    /**
     * @param creating whether the candidate is new (then it is the newest, and the older Ingress keeps the path)
     * @param canary   whether the candidate is a canary, which shares its main Ingress's paths by design
     * @return one message per conflict, for people
     */
    static List<String> find(Ingress candidate, ObjectRef ref, boolean creating, boolean canary, RoutingTable table) {
        List<String> found = new ArrayList<>();
        List<IngressRule> rules = candidate.getSpec().getRules() == null ? List.of() : candidate.getSpec().getRules();
        for (IngressRule rule : rules) {
            if (rule.getHttp() == null || rule.getHttp().getPaths() == null) {
                continue;
            }
            HostRoutes routes = routesOf(table, rule.getHost());
            for (HTTPIngressPath path : rule.getHttp().getPaths()) {
                PathType type = PathType.fromApiName(path.getPathType());
                String key = new PathRule(type, path.getPath(), null, null).keyPath();
                PathRule existing = routes == null ? null : routes.rules().stream()
                        .filter(r -> r.type() == type && keyPath(r).equals(key))
                        .findFirst().orElse(null);
                String where = "path " + (path.getPath() == null ? "/" : path.getPath()) + " (" + type.apiName()
                        + ") on " + describe(rule.getHost());
                if (canary) {
                    if (existing == null || existing.ingress().equals(ref)) {
                        found.add("canary " + where + " has no main Ingress serving it; it would not be served");
                    }
                } else if (existing != null && !existing.ingress().equals(ref)) {
                    found.add(where + " is already served by Ingress " + existing.ingress()
                            + (creating ? "; that Ingress keeps it (the older, or of two as old the later namespace/name),"
                                    + " so it would not be served here"
                                    : "; the older of the two Ingresses serves it (of two as old, the later"
                                            + " namespace/name)"));
                }
            }
        }
        return found;
    }

    private static HostRoutes routesOf(RoutingTable table, String host) {
        if (host == null || host.isEmpty()) {
            return table.anyHost();
        }
        if (host.startsWith("*.")) {
            return table.wildcardHosts().get(RoutingTable.normalizeHost(host.substring(2)));
        }
        return table.exactHosts().get(RoutingTable.normalizeHost(host));
    }

    /** The path as the compiler keys rules by (a rule of the table may be a regex by now: keyed as written). */
    private static String keyPath(PathRule rule) {
        return new PathRule(rule.type(), rule.path(), null, null).keyPath();
    }

    private static String describe(String host) {
        return host == null || host.isEmpty() ? "every host" : "host " + host;
    }
}

package dev.caravan.admin;

import dev.caravan.routing.Backend;
import dev.caravan.routing.HostRoutes;
import dev.caravan.routing.PathRule;
import dev.caravan.routing.PathType;
import dev.caravan.routing.RouteMatch;
import dev.caravan.routing.RequestPath;
import dev.caravan.routing.RoutingTable;
import io.netty.util.NetUtil;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The routing table in words, for operators: every host's rules in match order, and single lookups. */
final class TableDescription {

    private TableDescription() {
    }

    static String dump(RoutingTable table) {
        StringBuilder text = new StringBuilder("routing table version ").append(table.version()).append('\n');
        new TreeMap<>(table.exactHosts()).forEach((host, routes) -> host(text, host, routes));
        new TreeMap<>(table.wildcardHosts()).forEach((suffix, routes) -> host(text, "*." + suffix, routes));
        if (table.anyHost() != null) {
            host(text, "(any host)", table.anyHost());
        }
        text.append("default backend: ").append(table.defaultBackend() == null ? "built-in 404"
                : backend(table.defaultBackend())).append('\n');
        if (!table.passthrough().isEmpty()) {
            new TreeMap<>(table.passthrough()).forEach((host, backend) -> text.append("ssl-passthrough ").append(host)
                    .append(" -> ").append(backend(backend)).append('\n'));
        }
        return text.toString();
    }

    /**
     * What serves a request for {@code host} and {@code path}, read as the gateway reads a request's: the host
     * without its port, the path without its query and normalised.
     */
    static String lookup(RoutingTable table, String host, String path) {
        String name = host == null || host.isBlank() ? null : RoutingTable.normalizeHost(RoutingTable.hostOf(host.trim()));
        path = path == null || path.isEmpty() ? "/" : path;
        int query = path.indexOf('?');
        String normalized = RequestPath.normalize(query < 0 ? path : path.substring(0, query));
        if (normalized == null) {
            return "the path is no valid one (a broken escape, or above the root): 400";
        }
        path = normalized;
        RouteMatch match = table.resolve(name, path);
        if (match.rule() != null && match.rule() != match.host().defaultRule()) {
            return rule(match.rule()) + (match.hostHasTls() ? "; the host has TLS" : "");
        }
        if (match.rule() != null && match.rule().policy().denied()) {
            return "no rule matches: 503, as Ingress " + match.rule().ingress() + ", whose default location it is, is"
                    + " denied";
        }
        String under = match.rule() == null ? "" : ", under the annotations of Ingress " + match.rule().ingress();
        if (match.backend() != null) {
            return "no rule matches; the default backend " + backend(match.backend()) + " serves it" + under;
        }
        return match.appRoot() != null && path.equals("/") ? "app-root: 302 to " + match.appRoot()
                : "no rule matches: 404 from the built-in default backend" + under;
    }

    private static void host(StringBuilder text, String host, HostRoutes routes) {
        text.append(host).append(routes.tls() ? " (TLS)" : "").append('\n');
        for (PathRule rule : routes.rules()) {
            text.append("  ").append(rule(rule)).append('\n');
        }
        // a Prefix / rule leaves no other path
        boolean everyPath = routes.rules().stream().anyMatch(rule -> rule.regex() == null
                && rule.type() != PathType.EXACT && rule.matchPath().equals("/"));
        if (everyPath) {
            return;
        }
        if (routes.defaultBackend() != null) {
            text.append("  (other paths) -> ").append(backend(routes.defaultBackend()));
        } else if (routes.defaultRule() != null) {
            text.append("  (other paths) -> the default backend");
        }
        if (routes.defaultRule() != null) {
            text.append(" (Ingress ").append(routes.defaultRule().ingress()).append(')');
        }
        if (routes.defaultBackend() != null || routes.defaultRule() != null) {
            text.append('\n');
        }
    }

    private static String rule(PathRule rule) {
        String match = rule.regex() != null ? "regex " + rule.regex().pattern() : rule.type().apiName() + " " + rule.path();
        String canary = rule.canary() == null ? "" : ", canary " + backend(rule.canary().backend()) + " of Ingress "
                + rule.canary().ingress();
        // what stands between the request and the backend, which a rule's line would hide: its answer is 503, or a route
        String before = rule.policy().denied() ? "; denied: 503 (its Ingress is not served as written: see"
                + " RejectedIngresses)" : rule.policy().requestRoute() != null ? "; request-route "
                + rule.policy().requestRoute() + " runs first (503 while it is not loaded)" : "";
        return match + " -> " + backend(rule.backend()) + " (Ingress " + rule.ingress() + canary + ")" + before;
    }

    static String backend(Backend backend) {
        return backend.name() + " [" + backend.endpoints().stream().map(NetUtil::toSocketAddressString)
                .collect(Collectors.joining(", ")) + "]";
    }

}

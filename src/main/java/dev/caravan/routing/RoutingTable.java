package dev.caravan.routing;

import dev.caravan.collect.ShardedMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * An immutable routing table: hosts to paths to backends, one version of the cluster's Ingresses.
 * The gateway resolves each request against one table for the request's whole life; a new
 * configuration is a new table, swapped in whole.
 *
 * <p>Host resolution follows the Ingress API: an exact host wins over a wildcard
 * ({@code *.example.com} covers exactly one label), and rules without a host serve every host that
 * no other rule names.
 *
 * @param exactHosts     lower-case host names
 * @param wildcardHosts  keyed by the suffix after {@code "*."}
 * @param anyHost        the rules without a host, or {@code null}
 * @param defaultBackend what serves a request no rule matched, or {@code null} for the built-in 404
 * @param passthrough    hosts whose TLS connections go to pods undecrypted ({@code ssl-passthrough}), by
 *                       lower-case name
 * @param globalHeaders  the headers of every response and every request to a pod
 * @param streams        the ports whose connections are relayed to a Service's pods ({@code --tcp-services-configmap})
 */
public record RoutingTable(long version, Map<String, HostRoutes> exactHosts, Map<String, HostRoutes> wildcardHosts,
        HostRoutes anyHost, Backend defaultBackend, Map<String, Backend> passthrough, GlobalHeaders globalHeaders,
        StreamServices streams) {

    public static final RoutingTable EMPTY = new RoutingTable(0, Map.of(), Map.of(), null, null, Map.of(),
            GlobalHeaders.NONE, StreamServices.NONE);

    public RoutingTable(long version, Map<String, HostRoutes> exactHosts, Map<String, HostRoutes> wildcardHosts,
            HostRoutes anyHost, Backend defaultBackend, Map<String, Backend> passthrough, GlobalHeaders globalHeaders) {
        this(version, exactHosts, wildcardHosts, anyHost, defaultBackend, passthrough, globalHeaders,
                StreamServices.NONE);
    }

    public RoutingTable {
        // the compiler's next table shares every host it did not rebuild with this one
        exactHosts = ShardedMap.copyOf(exactHosts);
        wildcardHosts = ShardedMap.copyOf(wildcardHosts);
        passthrough = ShardedMap.copyOf(passthrough);
    }

    /**
     * Every backend the table sends requests to (rules, canaries, fallbacks, defaults), by name; computed on each call.
     * A denied rule's backend is none of them: what was upgraded through it is closed as its endpoints' would be.
     */
    public Map<String, Backend> backendsByName() {
        Map<String, Backend> backends = new TreeMap<>();
        exactHosts.values().forEach(routes -> addBackends(backends, routes));
        wildcardHosts.values().forEach(routes -> addBackends(backends, routes));
        if (anyHost != null) {
            addBackends(backends, anyHost);
        }
        if (defaultBackend != null) {
            backends.putIfAbsent(defaultBackend.name(), defaultBackend);
        }
        passthrough.values().forEach(backend -> backends.putIfAbsent(backend.name(), backend));
        streams.tcp().values().forEach(stream -> backends.putIfAbsent(stream.backend().name(), stream.backend()));
        // a UDP port's backend is named after its Service port's number too, as its TCP twin is: told apart
        streams.udp().values().forEach(stream -> backends.putIfAbsent(stream.backend().name() + " (UDP)",
                stream.backend()));
        return backends;
    }

    private static void addBackends(Map<String, Backend> backends, HostRoutes routes) {
        for (PathRule rule : routes.rules()) {
            if (rule.policy().denied()) {
                continue;
            }
            backends.putIfAbsent(rule.backend().name(), rule.backend());
            if (rule.canary() != null) {
                backends.putIfAbsent(rule.canary().backend().name(), rule.canary().backend());
            }
            if (rule.fallback() != null) {
                backends.putIfAbsent(rule.fallback().name(), rule.fallback());
            }
        }
        if (routes.defaultBackend() != null) {
            backends.putIfAbsent(routes.defaultBackend().name(), routes.defaultBackend());
        }
        if (routes.defaultRule() != null && routes.defaultRule().fallback() != null) {
            backends.putIfAbsent(routes.defaultRule().fallback().name(), routes.defaultRule().fallback());
        }
    }

    /** The backend a TLS connection for this SNI name is relayed to undecrypted, or {@code null}. */
    public Backend passthrough(String serverName) {
        return serverName == null || passthrough.isEmpty() ? null : passthrough.get(normalizeHost(serverName));
    }

    /**
     * The client certificates a TLS handshake for this SNI name asks for: those of the host it names, as a
     * request for that host would find it; {@code null} when none.
     */
    public RoutePolicy.ClientCertificates clientCertificates(String serverName) {
        HostRoutes routes = hostRoutes(serverName);
        return routes == null ? null : routes.clientCertificates();
    }

    /**
     * Resolves a request.
     *
     * @param host the request's host without port, any case, or {@code null}
     * @param path the request path without query
     */
    public RouteMatch resolve(String host, String path) {
        HostRoutes routes = hostRoutes(host);
        if (routes != null) {
            PathRule rule = routes.match(path);
            if (rule != null) {
                return new RouteMatch(rule, rule.serving(), routes);
            }
            PathRule standIn = routes.defaultRule();
            if (routes.defaultBackend() != null) {
                return new RouteMatch(standIn, standIn != null ? standIn.serving() : routes.defaultBackend(), routes);
            }
            if (standIn != null) {
                // the table's default backend (or the built-in 404), under the host's oldest Ingress's annotations
                return new RouteMatch(standIn, defaultBackend, routes);
            }
        }
        return defaultBackend != null || routes != null ? new RouteMatch(null, defaultBackend, routes)
                : RouteMatch.NONE;
    }

    private HostRoutes hostRoutes(String host) {
        if (host != null && !host.isEmpty()) {
            String name = normalizeHost(host);
            HostRoutes exact = exactHosts.get(name);
            if (exact != null) {
                return exact;
            }
            int dot = name.indexOf('.');
            if (dot > 0 && !wildcardHosts.isEmpty()) {
                HostRoutes wildcard = wildcardHosts.get(name.substring(dot + 1));
                if (wildcard != null) {
                    return wildcard;
                }
            }
        }
        return anyHost;
    }

    /** The host of an authority ({@code Host}, {@code :authority}), without its port; an IPv6 address keeps its brackets. */
    public static String hostOf(String authority) {
        if (authority == null || authority.isEmpty()) {
            return null;
        }
        if (authority.charAt(0) == '[') {
            int close = authority.indexOf(']');
            return close < 0 ? authority : authority.substring(0, close + 1);
        }
        int colon = authority.lastIndexOf(':');
        // a bare IPv6 address has more than one colon, none of them a port's
        return colon < 0 || authority.indexOf(':') != colon ? authority : authority.substring(0, colon);
    }

    /** Lower case, without a trailing dot: the form hosts are stored and compared in. */
    public static String normalizeHost(String host) {
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        for (int i = 0; i < name.length(); i++) {
            if (Character.isUpperCase(name.charAt(i))) {
                return name.toLowerCase(Locale.ROOT);
            }
        }
        return name;
    }
}

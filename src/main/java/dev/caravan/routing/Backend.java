package dev.caravan.routing;

import dev.caravan.balance.AffinityIndex;
import dev.caravan.balance.LoadBalancer;
import dev.caravan.balance.RoundRobinBalancer;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Where matched requests go: the ready endpoints of one Service port. An empty endpoint list is a
 * valid backend that answers 503, so a Service scaled to zero is not confused with a missing rule.
 *
 * @param name      {@code namespace/service:port}, the Service port's number however the Ingress named it
 * @param endpoints pod addresses, in a stable order so that every replica balances alike
 * @param balancer  chooses among the endpoints; its state lives as long as this table version
 * @param affinity  maps sticky-cookie values to the endpoints
 */
public record Backend(String name, List<InetSocketAddress> endpoints, LoadBalancer balancer, AffinityIndex affinity) {

    public Backend {
        endpoints = List.copyOf(endpoints);
    }

    public Backend(String name, List<InetSocketAddress> endpoints) {
        this(name, endpoints, new RoundRobinBalancer(), new AffinityIndex(name, List.copyOf(endpoints)));
    }

    /** Two backends are the same when they send to the same endpoints; balancer state is not part of that. */
    @Override
    public boolean equals(Object other) {
        return other instanceof Backend backend && name.equals(backend.name) && endpoints.equals(backend.endpoints);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + endpoints.hashCode();
    }

    public boolean hasEndpoints() {
        return !endpoints.isEmpty();
    }

    /** The Service's name, from {@code namespace/service:port}; the whole name for other backends. */
    public String serviceName() {
        int slash = name.indexOf('/');
        int colon = name.lastIndexOf(':');
        return slash >= 0 && colon > slash ? name.substring(slash + 1, colon) : name;
    }

    /** The Service port's number, from {@code namespace/service:port}, or {@code null} for other backends. */
    public String servicePort() {
        int slash = name.indexOf('/');
        int colon = name.lastIndexOf(':');
        return slash >= 0 && colon > slash ? name.substring(colon + 1) : null;
    }

    /**
     * Stands for the routing table's default backend (the global one, or the built-in 404) in a host's stand-in rule
     * ({@link HostRoutes#defaultRule()}): named as ingress-nginx names that upstream. It has no endpoints of its own.
     */
    public static final Backend TABLE_DEFAULT = new Backend("upstream-default-backend", List.of());

    private static final String CAMEL_ROUTE = "camel-route:";

    /**
     * A backend served by a user's Camel route (an Ingress backend {@code resource: {apiGroup: caravan.dev,
     * kind: CamelRoute, name: ...}}), in the Ingress's namespace: no endpoints, the route answers.
     */
    public static Backend camelRoute(String namespace, String routeId) {
        return new Backend(CAMEL_ROUTE + namespace + "/" + routeId, List.of());
    }

    /** The id of the Camel route serving this backend, or {@code null} for a Service's. */
    public String camelRoute() {
        if (!name.startsWith(CAMEL_ROUTE)) {
            return null;
        }
        return name.substring(name.indexOf('/') + 1);
    }
}

package dev.caravan.routing;

import dev.caravan.balance.LoadBalancer;
import dev.caravan.balance.RoundRobinBalancer;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Where matched requests go: the ready endpoints of one Service port. An empty endpoint list is a
 * valid backend that answers 503, so a Service scaled to zero is not confused with a missing rule.
 *
 * @param name      a stable label for logs and errors, {@code namespace/service:port}
 * @param endpoints pod addresses, in a stable order so that every replica balances alike
 * @param balancer  chooses among the endpoints; its state lives as long as this table version
 */
public record Backend(String name, List<InetSocketAddress> endpoints, LoadBalancer balancer) {

    public Backend {
        endpoints = List.copyOf(endpoints);
    }

    public Backend(String name, List<InetSocketAddress> endpoints) {
        this(name, endpoints, new RoundRobinBalancer());
    }

    public boolean hasEndpoints() {
        return !endpoints.isEmpty();
    }
}

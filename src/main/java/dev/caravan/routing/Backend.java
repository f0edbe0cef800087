package dev.caravan.routing;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * Where matched requests go: the ready endpoints of one Service port. An empty endpoint list is a
 * valid backend that answers 503, so a Service scaled to zero is not confused with a missing rule.
 *
 * @param name      a stable label for logs and errors, {@code namespace/service:port}
 * @param endpoints pod addresses, in a stable order so that every replica balances alike
 */
public record Backend(String name, List<InetSocketAddress> endpoints) {

    public Backend {
        endpoints = List.copyOf(endpoints);
    }

    public boolean hasEndpoints() {
        return !endpoints.isEmpty();
    }
}

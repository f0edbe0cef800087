package dev.caravan.gateway;

import dev.caravan.routing.Backend;
import dev.caravan.routing.CurrentRoutingTable;
import dev.caravan.routing.RoutingTable;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open upgraded connections (WebSockets and the like). They keep their pod across routing-table
 * changes; only when their endpoint has left its backend are they closed, after a grace period and
 * only if it has not come back by then.
 */
public final class UpgradedConnections {

    private static final Logger LOG = LoggerFactory.getLogger(UpgradedConnections.class);

    private record Upgraded(Channel client, Channel pod, String backend, InetSocketAddress endpoint) {
    }

    private record Indexed(RoutingTable table, Map<String, Backend> backends) {
    }

    private final Set<Upgraded> open = ConcurrentHashMap.newKeySet();
    private final Duration grace;
    /** The backends of the table indexed last: each check would otherwise index all 10,000 hosts again. */
    private volatile Indexed indexed = new Indexed(RoutingTable.EMPTY, Map.of());

    /** @param grace how long a connection to a removed endpoint stays open */
    public UpgradedConnections(Duration grace) {
        this.grace = grace;
    }

    void add(Channel client, Channel pod, String backend, InetSocketAddress endpoint) {
        Upgraded upgraded = new Upgraded(client, pod, backend, endpoint);
        open.add(upgraded);
        client.closeFuture().addListener(closed -> open.remove(upgraded));
    }

    public int size() {
        return open.size();
    }

    /**
     * After a compilation: connections whose endpoint is gone from their backend in {@code next} close
     * after the grace period, if it is still gone from the table then in force.
     */
    public void tableChanged(RoutingTable next, CurrentRoutingTable current) {
        if (open.isEmpty()) {
            return;
        }
        Map<String, Backend> backends = backendsOf(next);
        for (Upgraded upgraded : open) {
            if (gone(backends, upgraded)) {
                upgraded.client().eventLoop().schedule(() -> {
                    if (gone(backendsOf(current.get()), upgraded) && upgraded.client().isActive()) {
                        LOG.info("Closing an upgraded connection to {} of {}: the endpoint left its backend {} s ago",
                                upgraded.endpoint(), upgraded.backend(), grace.toSeconds());
                        upgraded.client().close();
                        upgraded.pod().close();
                    }
                }, grace.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    private Map<String, Backend> backendsOf(RoutingTable table) {
        Indexed last = indexed;
        if (last.table() != table) {
            last = new Indexed(table, table.backendsByName());
            indexed = last;
        }
        return last.backends();
    }

    private static boolean gone(Map<String, Backend> backends, Upgraded upgraded) {
        Backend backend = backends.get(upgraded.backend());
        return backend == null || !backend.endpoints().contains(upgraded.endpoint());
    }
}

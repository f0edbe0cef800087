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
 * changes as long as the table would still let their request in to the same backend; when their endpoint
 * has left the backend, or the table would refuse the request or send it elsewhere, they are closed after a
 * grace period, and only if that is still so by then (an Ingress replaced, a pod restarted in place).
 */
public final class UpgradedConnections {

    private static final Logger LOG = LoggerFactory.getLogger(UpgradedConnections.class);

    private record Upgraded(Channel client, Channel pod, UpgradeAdmission admission, InetSocketAddress endpoint) {
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

    void add(Channel client, Channel pod, UpgradeAdmission admission, InetSocketAddress endpoint) {
        Upgraded upgraded = new Upgraded(client, pod, admission, endpoint);
        open.add(upgraded);
        client.closeFuture().addListener(closed -> open.remove(upgraded));
    }

    public int size() {
        return open.size();
    }

    /**
     * After a compilation: connections that {@code next} would no longer serve as they are close after the grace
     * period, if the table then in force would not either.
     */
    public void tableChanged(RoutingTable next, CurrentRoutingTable current) {
        if (open.isEmpty()) {
            return;
        }
        for (Upgraded upgraded : open) {
            if (refusal(next, upgraded) != null) {
                upgraded.client().eventLoop().schedule(() -> {
                    String refusal = refusal(current.get(), upgraded);
                    if (refusal != null && upgraded.client().isActive()) {
                        LOG.info("Closing an upgraded connection from {} to {} of {}: {} ({} s ago)",
                                upgraded.admission().client(), upgraded.endpoint(), upgraded.admission().backend(),
                                refusal, grace.toSeconds());
                        upgraded.client().close();
                        upgraded.pod().close();
                    }
                }, grace.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    private String refusal(RoutingTable table, Upgraded upgraded) {
        Backend backend = backendsOf(table).get(upgraded.admission().backend());
        if (backend == null || !backend.endpoints().contains(upgraded.endpoint())) {
            return "the endpoint left its backend";
        }
        return upgraded.admission().refusal(table);
    }

    private Map<String, Backend> backendsOf(RoutingTable table) {
        Indexed last = indexed;
        if (last.table() != table) {
            last = new Indexed(table, table.backendsByName());
            indexed = last;
        }
        return last.backends();
    }
}

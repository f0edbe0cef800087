package dev.caravan.gateway;

import dev.caravan.routing.Backend;
import dev.caravan.routing.CurrentRoutingTable;
import dev.caravan.routing.RoutePolicy;
import dev.caravan.routing.RoutingTable;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open upgraded connections (WebSockets and the like). They keep their pod across routing-table changes as long
 * as the table would still let their request in to the same backend ({@link UpgradeAdmission}); when their endpoint
 * has left the backend, or the table would refuse the request or send it elsewhere, they are closed after a grace
 * period, and only if that is still so by then (an Ingress replaced, a pod restarted in place).
 */
public final class UpgradedConnections {

    private static final Logger LOG = LoggerFactory.getLogger(UpgradedConnections.class);

    private record Indexed(RoutingTable table, Map<String, Backend> backends) {
    }

    /**
     * One open connection. At most one check of it waits at a time; a table compiled meanwhile has it checked once
     * more after that one, as the waiting check may run before that table is in force.
     */
    private static final class Upgraded {
        final Channel client;
        final Channel pod;
        final UpgradeAdmission admission;
        final InetSocketAddress endpoint;
        final boolean https;
        final AtomicBoolean checkPending = new AtomicBoolean();
        final AtomicBoolean checkAgain = new AtomicBoolean();
        /** The client certificates its certificate was last found good for: not checked again until they change. */
        volatile RoutePolicy.ClientCertificates accepted;

        Upgraded(Channel client, Channel pod, UpgradeAdmission admission, InetSocketAddress endpoint, boolean https) {
            this.client = client;
            this.pod = pod;
            this.admission = admission;
            this.endpoint = endpoint;
            this.https = https;
            this.accepted = admission.clientCertificates();
        }
    }

    private final Set<Upgraded> open = ConcurrentHashMap.newKeySet();
    private final Duration grace;
    private final CurrentRoutingTable current;
    /** The newest table compiled, which may not be in force yet: a connection admitted by another is checked. */
    private volatile RoutingTable newest;
    /**
     * The backends of the two tables indexed last (the newest, and the one in force that checks read): each check
     * would otherwise index all 10,000 hosts again.
     */
    private volatile Indexed indexed = new Indexed(RoutingTable.EMPTY, Map.of());
    private volatile Indexed indexedBefore = indexed;

    /**
     * @param grace   how long a connection the table no longer admits stays open
     * @param current the table in force, which the check after the grace period reads
     */
    public UpgradedConnections(Duration grace, CurrentRoutingTable current) {
        this.grace = grace;
        this.current = current;
    }

    void add(Channel client, Channel pod, UpgradeAdmission admission, InetSocketAddress endpoint, boolean https) {
        Upgraded upgraded = new Upgraded(client, pod, admission, endpoint, https);
        open.add(upgraded);
        client.closeFuture().addListener(closed -> open.remove(upgraded));
        // a table compiled while the upgrade was under way (an auth-url call, the pod's answer) found it not yet open
        RoutingTable compiled = newest;
        if (compiled != null && compiled != admission.admittedBy()) {
            scheduleCheck(upgraded);
        }
    }

    public int size() {
        return open.size();
    }

    /**
     * After a compilation, before its table is in force: connections that {@code next} would no longer serve as they
     * are close after the grace period, if the table then in force would not either. Called on the compiler's thread.
     */
    public void tableChanged(RoutingTable next) {
        newest = next;
        for (Upgraded upgraded : open) {
            try {
                if (upgraded.checkPending.get()) {
                    upgraded.checkAgain.set(true);
                } else if (upgraded.client.isActive() && refusal(next, upgraded) != null) {
                    scheduleCheck(upgraded);
                }
            } catch (RuntimeException e) {
                // one connection's check must not keep a table out of force
                LOG.warn("Checking an upgraded connection from {} against the new routing table failed",
                        upgraded.admission.client(), e);
            }
        }
    }

    private void scheduleCheck(Upgraded upgraded) {
        if (!upgraded.checkPending.compareAndSet(false, true)) {
            return;
        }
        upgraded.client.eventLoop().schedule(() -> {
            upgraded.checkPending.set(false);
            boolean again = upgraded.checkAgain.getAndSet(false);
            if (!upgraded.client.isActive()) {
                return;
            }
            RoutingTable table = current.get();
            String refusal = refusal(table, upgraded);
            if (refusal != null) {
                LOG.info("Closing an upgraded connection from {} to {} of {}: {} ({} s ago)",
                        upgraded.admission.client(), upgraded.endpoint, upgraded.admission.backend(), refusal,
                        grace.toSeconds());
                upgraded.client.close();
                upgraded.pod.close();
                return;
            }
            var host = table.resolve(upgraded.admission.host(), upgraded.admission.path()).host();
            upgraded.accepted = host == null ? null : host.clientCertificates();
            if (again) {
                scheduleCheck(upgraded);
            }
        }, grace.toMillis(), TimeUnit.MILLISECONDS);
    }

    private String refusal(RoutingTable table, Upgraded upgraded) {
        Backend backend = backendsOf(table).get(upgraded.admission.backend());
        if (backend == null || !backend.endpoints().contains(upgraded.endpoint)) {
            return "the endpoint left its backend";
        }
        return upgraded.admission.refusal(table, upgraded.client, upgraded.https, upgraded.accepted);
    }

    private Map<String, Backend> backendsOf(RoutingTable table) {
        Indexed last = indexed;
        if (last.table() == table) {
            return last.backends();
        }
        Indexed before = indexedBefore;
        if (before.table() == table) {
            return before.backends();
        }
        Indexed made = new Indexed(table, table.backendsByName());
        indexedBefore = last;
        indexed = made;
        return made.backends();
    }
}

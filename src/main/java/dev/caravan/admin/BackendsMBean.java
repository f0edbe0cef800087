package dev.caravan.admin;

import dev.caravan.routing.Backend;
import dev.caravan.routing.CurrentRoutingTable;
import dev.caravan.upstream.EndpointDrains;
import dev.caravan.upstream.OutlierDetection;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.camel.api.management.ManagedAttribute;
import org.apache.camel.api.management.ManagedOperation;
import org.apache.camel.api.management.ManagedResource;

/**
 * The backends over JMX ({@code org.apache.camel:context=caravan,type=services,name=Backends}): each
 * Service port's endpoints with their state and counts; endpoints can be drained (no new requests)
 * and undrained.
 */
@ManagedResource(description = "Caravan's backends: endpoints, their state and counts; drain and undrain")
public final class BackendsMBean {

    private final CurrentRoutingTable table;
    private final EndpointDrains drains;
    private final OutlierDetection outliers;
    private final EndpointStats stats;

    BackendsMBean(CurrentRoutingTable table, EndpointDrains drains, OutlierDetection outliers, EndpointStats stats) {
        this.table = table;
        this.drains = drains;
        this.outliers = outliers;
        this.stats = stats;
    }

    @ManagedAttribute(description = "Each backend (namespace/service:port) with its endpoints: state (ready, drained,"
            + " ejected), requests, errors")
    public String[] getBackends() {
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, Backend> entry : table.get().backendsByName().entrySet()) {
            if (entry.getValue().camelRoute() != null) {
                // no endpoints to have: the route's state is Camel's own MBeans'
                lines.add(entry.getKey() + ": Camel route " + entry.getValue().camelRoute());
                continue;
            }
            List<String> endpoints = new ArrayList<>();
            for (InetSocketAddress endpoint : entry.getValue().endpoints()) {
                EndpointStats.Counts counts = stats.counts(endpoint);
                String state = drains.isDrained(endpoint) ? "drained" : outliers.isEjected(endpoint) ? "ejected" : "ready";
                endpoints.add(NetUtil.toSocketAddressString(endpoint) + " " + state
                        + " requests=" + (counts == null ? 0 : counts.requests().sum())
                        + " errors=" + (counts == null ? 0 : counts.errors().sum()));
            }
            lines.add(entry.getKey() + ": " + (endpoints.isEmpty() ? "no ready endpoint" : String.join(", ", endpoints)));
        }
        return lines.toArray(String[]::new);
    }

    @ManagedAttribute(description = "Endpoints drained by an operator")
    public String[] getDrainedEndpoints() {
        return drains.drained().stream().map(NetUtil::toSocketAddressString).sorted().toArray(String[]::new);
    }

    @ManagedOperation(description = "No new requests to this endpoint (IP:PORT); requests in flight finish")
    public String drain(String endpoint) {
        InetSocketAddress address = parse(endpoint);
        boolean known = table.get().backendsByName().values().stream()
                .anyMatch(backend -> backend.endpoints().contains(address));
        // drained all the same: an operator may drain a pod before it is ready
        return (drains.drain(address) ? "drained " : "already drained: ") + endpoint
                + (known ? "" : " (no backend has it now: it takes no requests once one does)");
    }

    @ManagedOperation(description = "The endpoint (IP:PORT) takes requests again")
    public String undrain(String endpoint) {
        InetSocketAddress address = parse(endpoint);
        return (drains.undrain(address) ? "undrained " : "was not drained: ") + endpoint;
    }

    private static InetSocketAddress parse(String endpoint) {
        int colon = endpoint == null ? -1 : endpoint.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("expected IP:PORT, got '" + endpoint + "'");
        }
        String ip = endpoint.substring(0, colon).replace("[", "").replace("]", "");
        if (!NetUtil.isValidIpV4Address(ip) && !NetUtil.isValidIpV6Address(ip)) {
            throw new IllegalArgumentException("'" + ip + "' is not an IP address");
        }
        try {
            return new InetSocketAddress(NetUtil.createInetAddressFromIpAddressString(ip),
                    Integer.parseInt(endpoint.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + endpoint.substring(colon + 1) + "' is not a port");
        }
    }
}

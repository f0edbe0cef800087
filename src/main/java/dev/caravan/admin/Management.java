package dev.caravan.admin;

import dev.caravan.compile.Compilation;
import dev.caravan.compile.CompilationListener;
import dev.caravan.compile.Problem;
import dev.caravan.compile.Recompiler;
import dev.caravan.gateway.RequestObserver;
import dev.caravan.routing.CurrentRoutingTable;
import dev.caravan.state.ClusterState;
import dev.caravan.upstream.EndpointDrains;
import dev.caravan.upstream.OutlierDetection;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.ManagementAgent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caravan's MBeans next to Camel's ({@code org.apache.camel:context=caravan,type=services,name=...}):
 * {@code RoutingTable} and {@code Backends}, and the per-endpoint counts behind them.
 */
public final class Management implements CompilationListener {

    private static final Logger LOG = LoggerFactory.getLogger(Management.class);

    private final CurrentRoutingTable table;
    private final EndpointDrains drains;
    private final OutlierDetection outliers;
    private final EndpointStats stats = new EndpointStats();
    private final EndpointCensus census = new EndpointCensus();

    public Management(CurrentRoutingTable table, EndpointDrains drains, OutlierDetection outliers) {
        this.table = table;
        this.drains = drains;
        this.outliers = outliers;
    }

    /** Counts requests per endpoint for the Backends MBean. */
    public RequestObserver endpointCounter() {
        return stats;
    }

    /** Registers the MBeans with the context's management agent, once the context runs. */
    public void register(CamelContext context, Recompiler recompiler) {
        ManagementAgent agent = context.getManagementStrategy() == null ? null
                : context.getManagementStrategy().getManagementAgent();
        if (agent == null) {
            LOG.info("JMX is off; Caravan's MBeans are not registered");
            return;
        }
        try {
            agent.register(new RoutingTableMBean(table, recompiler), name(context, "RoutingTable"));
            agent.register(new BackendsMBean(table, drains, outliers, stats), name(context, "Backends"));
        } catch (Exception e) {
            LOG.warn("Could not register Caravan's MBeans: {}", e.toString());
        }
    }

    public static ObjectName name(CamelContext context, String name) throws MalformedObjectNameException {
        return new ObjectName("org.apache.camel:context=" + context.getManagementName() + ",type=services,name=" + name);
    }

    @Override
    public synchronized List<Problem> compiled(ClusterState state, Compilation compilation) {
        census.update(compilation.table());
        Set<InetSocketAddress> endpoints = census.live();
        stats.retain(endpoints);
        outliers.retain(endpoints);
        drains.retain(endpoints);
        return List.of();
    }
}

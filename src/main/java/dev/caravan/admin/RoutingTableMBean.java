package dev.caravan.admin;

import dev.caravan.compile.Compilation;
import dev.caravan.compile.Problem;
import dev.caravan.compile.Recompiler;
import dev.caravan.routing.CurrentRoutingTable;
import dev.caravan.routing.HostRoutes;
import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.RoutingTable;
import java.time.Instant;
import org.apache.camel.api.management.ManagedAttribute;
import org.apache.camel.api.management.ManagedOperation;
import org.apache.camel.api.management.ManagedResource;

/**
 * The routing table over JMX ({@code org.apache.camel:context=caravan,type=services,name=RoutingTable}):
 * what is served, what was rejected and why, and where a request would go; Ingresses can be taken out
 * of service and put back.
 */
@ManagedResource(description = "Caravan's routing table: hosts, rules, rejected Ingresses; lookups and recompiles")
public final class RoutingTableMBean {

    private final CurrentRoutingTable table;
    private final Recompiler recompiler;

    public RoutingTableMBean(CurrentRoutingTable table, Recompiler recompiler) {
        this.table = table;
        this.recompiler = recompiler;
    }

    @ManagedAttribute(description = "Version of the cluster state the table in force was compiled from")
    public long getVersion() {
        return table.get().version();
    }

    @ManagedAttribute(description = "Whether requests are routed (the source has synced)")
    public boolean isServing() {
        return table.serving();
    }

    @ManagedAttribute(description = "Hosts with rules")
    public int getHosts() {
        RoutingTable current = table.get();
        return current.exactHosts().size() + current.wildcardHosts().size() + (current.anyHost() == null ? 0 : 1);
    }

    @ManagedAttribute(description = "Path rules, over all hosts")
    public int getRules() {
        RoutingTable current = table.get();
        int rules = current.anyHost() == null ? 0 : current.anyHost().rules().size();
        for (HostRoutes routes : current.exactHosts().values()) {
            rules += routes.rules().size();
        }
        for (HostRoutes routes : current.wildcardHosts().values()) {
            rules += routes.rules().size();
        }
        return rules;
    }

    @ManagedAttribute(description = "Ingresses not served as they are now, each with the reason")
    public String[] getRejectedIngresses() {
        return recompiler.last().problems().stream().filter(p -> p.severity() == Problem.Severity.INVALID)
                .map(p -> p.ingress() + ": " + p.reason() + ": " + p.message()).sorted().toArray(String[]::new);
    }

    @ManagedAttribute(description = "Every problem of the latest compilation (warnings included)")
    public String[] getProblems() {
        return recompiler.last().problems().stream().map(Problem::toString).sorted().toArray(String[]::new);
    }

    @ManagedAttribute(description = "Ingresses taken out of service with disableIngress")
    public String[] getDisabledIngresses() {
        return recompiler.disabled().stream().map(ObjectRef::toString).sorted().toArray(String[]::new);
    }

    @ManagedAttribute(description = "When the latest compilation finished (ISO-8601)")
    public String getLastCompileTime() {
        long millis = recompiler.lastCompiledMillis();
        return millis == 0 ? "" : Instant.ofEpochMilli(millis).toString();
    }

    @ManagedAttribute(description = "How long the latest compilation took, milliseconds")
    public double getLastCompileDurationMillis() {
        return recompiler.lastDurationNanos() / 1e6;
    }

    @ManagedOperation(description = "The whole table as text: hosts, rules in match order, backends and endpoints")
    public String dump() {
        return TableDescription.dump(table.get());
    }

    @ManagedOperation(description = "Which Ingress rule and backend would serve a request for this host and path")
    public String lookup(String host, String path) {
        return TableDescription.lookup(table.get(), host, path == null || path.isEmpty() ? "/" : path);
    }

    @ManagedOperation(description = "Compiles the current cluster state now, every Ingress (not only what changed);"
            + " returns the new version and problems")
    public String recompile() {
        Compilation compilation = recompiler.compileNow(true);
        return "version " + compilation.table().version() + ", " + compilation.claimed().size() + " Ingresses, "
                + compilation.problems().size() + " problems";
    }

    @ManagedOperation(description = "Takes an Ingress out of service (until enabled again or restart)")
    public String disableIngress(String namespace, String name) {
        ObjectRef ingress = new ObjectRef(namespace, name);
        if (!recompiler.last().claimed().contains(ingress)) {
            return "not one of Caravan's Ingresses: " + namespace + "/" + name;
        }
        boolean changed = recompiler.setDisabled(ingress, true);
        return (changed ? "disabled " : "already disabled: ") + namespace + "/" + name;
    }

    @ManagedOperation(description = "Puts an Ingress taken out of service back")
    public String enableIngress(String namespace, String name) {
        boolean changed = recompiler.setDisabled(new ObjectRef(namespace, name), false);
        return (changed ? "enabled " : "was not disabled: ") + namespace + "/" + name;
    }
}

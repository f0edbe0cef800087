package dev.caravan.extension;

import dev.caravan.collect.ShardedMap;
import dev.caravan.compile.Compilation;
import dev.caravan.compile.CompilationListener;
import dev.caravan.compile.Problem;
import dev.caravan.routing.HostRoutes;
import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.PathRule;
import dev.caravan.routing.RoutingTable;
import dev.caravan.state.ClusterState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;

/**
 * Checks the routes Ingresses name — CamelRoute backends and {@code caravan.dev/request-route} — against
 * the routes loaded, after each compilation: each Ingress naming a route that is not there (or not a started
 * {@code direct:} one) gets a Warning, and its requests 503 until the route comes. Routes come and go with
 * the routes folder, so {@link #routeEvents} asks for a compilation whenever one does.
 */
public final class RouteReferences implements CompilationListener {

    /** The reason of the Warning. */
    public static final String ROUTE_NOT_FOUND = "RouteNotFound";

    private final Supplier<CamelContext> context;
    private final RouteFolder folder;
    /** The routes each host's rules name, for the hosts that name any; kept up to date host by host. */
    private final Map<String, List<Reference>> referencesByHost = new HashMap<>();
    private RoutingTable indexed = RoutingTable.EMPTY;

    public RouteReferences(Supplier<CamelContext> context, RouteFolder folder) {
        this.context = context;
        this.folder = folder;
    }

    @Override
    public synchronized List<Problem> compiled(ClusterState state, Compilation compilation) {
        index(compilation.table());
        CamelContext camel = context.get();
        if (camel == null || !camel.isStarted() || !folder.scanned()) {
            // the routes folder is not loaded yet: a compilation follows once it is
            return List.of();
        }
        Map<ObjectRef, Set<String>> missing = new TreeMap<>();
        for (List<Reference> references : referencesByHost.values()) {
            for (Reference reference : references) {
                // never waits on a reload: a compilation is not held up by a user route's exchange
                if (!folder.hasDirect(camel, reference.routeId())) {
                    missing.computeIfAbsent(reference.ingress(), key -> new TreeSet<>())
                            .add(reference.as() + " " + reference.routeId());
                }
            }
        }
        List<Problem> problems = new ArrayList<>();
        missing.forEach((ingress, routes) -> problems.add(Problem.warning(ingress, ROUTE_NOT_FOUND,
                "no started route consuming a direct: endpoint for " + String.join(", ", routes)
                        + " in the routes folder; its requests get 503")));
        return problems;
    }

    /** A route named by an Ingress's rule. */
    private record Reference(ObjectRef ingress, String routeId, String as) {
    }

    /** Brings the references up to date with the hosts the table rebuilt; the others are as indexed before. */
    private void index(RoutingTable table) {
        index("", indexed.exactHosts(), table.exactHosts());
        index("*.", indexed.wildcardHosts(), table.wildcardHosts());
        referencesByHost.remove("(any host)");
        if (table.anyHost() != null) {
            put("(any host)", references(table.anyHost()));
        }
        indexed = table;
    }

    private void index(String prefix, Map<String, HostRoutes> before, Map<String, HostRoutes> after) {
        ShardedMap.forEachChangedKey(before, after, host -> {
            HostRoutes routes = after.get(host);
            referencesByHost.remove(prefix + host);
            if (routes != null) {
                put(prefix + host, references(routes));
            }
        });
    }

    private void put(String host, List<Reference> references) {
        if (!references.isEmpty()) {
            referencesByHost.put(host, references);
        }
    }

    private static List<Reference> references(HostRoutes routes) {
        List<Reference> references = new ArrayList<>();
        for (PathRule rule : routes.rules()) {
            add(references, rule.ingress(), rule.backend().camelRoute(), "backend");
            add(references, rule.ingress(), rule.policy().requestRoute(), "request-route");
            if (rule.canary() != null) {
                add(references, rule.canary().ingress(), rule.canary().backend().camelRoute(), "backend");
            }
        }
        PathRule standIn = routes.defaultRule();
        if (standIn != null) {
            add(references, standIn.ingress(), standIn.backend().camelRoute(), "backend");
            add(references, standIn.ingress(), standIn.policy().requestRoute(), "request-route");
        }
        return references;
    }

    private static void add(List<Reference> references, ObjectRef ingress, String routeId, String as) {
        if (routeId != null) {
            references.add(new Reference(ingress, routeId, as));
        }
    }

    /**
     * Camel events after which the check may come out otherwise: a route added, removed, started or stopped. It
     * declines every exchange event, so Camel makes none: with one notifier that does not, it creates a created,
     * a completed and a sent event for every Exchange (each informer event, each request a route serves).
     */
    public static EventNotifierSupport routeEvents(Runnable recheck) {
        EventNotifierSupport notifier = new EventNotifierSupport() {
            @Override
            public boolean isEnabled(CamelEvent event) {
                return event instanceof CamelEvent.RouteAddedEvent || event instanceof CamelEvent.RouteRemovedEvent
                        || event instanceof CamelEvent.RouteStartedEvent || event instanceof CamelEvent.RouteStoppedEvent
                        || event instanceof CamelEvent.CamelContextStartedEvent;
            }

            @Override
            public void notify(CamelEvent event) {
                recheck.run();
            }
        };
        notifier.setIgnoreExchangeEvents(true);
        notifier.setIgnoreStepEvents(true);
        return notifier;
    }
}

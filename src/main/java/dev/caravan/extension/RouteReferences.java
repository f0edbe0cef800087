package dev.caravan.extension;

import dev.caravan.compile.Compilation;
import dev.caravan.compile.CompilationListener;
import dev.caravan.compile.Problem;
import dev.caravan.routing.HostRoutes;
import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.PathRule;
import dev.caravan.routing.RoutingTable;
import dev.caravan.state.ClusterState;
import java.util.ArrayList;
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

    public RouteReferences(Supplier<CamelContext> context, RouteFolder folder) {
        this.context = context;
        this.folder = folder;
    }

    @Override
    public List<Problem> compiled(ClusterState state, Compilation compilation) {
        CamelContext camel = context.get();
        if (camel == null || !camel.isStarted() || !folder.scanned()) {
            // the routes folder is not loaded yet: a compilation follows once it is
            return List.of();
        }
        Map<ObjectRef, Set<String>> missing = new TreeMap<>();
        RoutingTable table = compilation.table();
        table.exactHosts().values().forEach(routes -> check(camel, routes, missing));
        table.wildcardHosts().values().forEach(routes -> check(camel, routes, missing));
        if (table.anyHost() != null) {
            check(camel, table.anyHost(), missing);
        }
        List<Problem> problems = new ArrayList<>();
        missing.forEach((ingress, routes) -> problems.add(Problem.warning(ingress, ROUTE_NOT_FOUND,
                "no started route consuming a direct: endpoint for " + String.join(", ", routes)
                        + " in the routes folder; its requests get 503")));
        return problems;
    }

    private void check(CamelContext camel, HostRoutes routes, Map<ObjectRef, Set<String>> missing) {
        for (PathRule rule : routes.rules()) {
            need(camel, rule.ingress(), rule.backend().camelRoute(), "backend", missing);
            need(camel, rule.ingress(), rule.policy().requestRoute(), "request-route", missing);
            if (rule.canary() != null) {
                need(camel, rule.canary().ingress(), rule.canary().backend().camelRoute(), "backend", missing);
            }
        }
    }

    private void need(CamelContext camel, ObjectRef ingress, String routeId, String as,
            Map<ObjectRef, Set<String>> missing) {
        if (routeId != null && folder.direct(camel, routeId) == null) {
            missing.computeIfAbsent(ingress, key -> new TreeSet<>()).add(as + " " + routeId);
        }
    }

    /** Camel events after which the check may come out otherwise: a route added, removed, started or stopped. */
    public static EventNotifierSupport routeEvents(Runnable recheck) {
        return new EventNotifierSupport() {
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
    }
}

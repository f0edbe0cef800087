package dev.caravan.extension;

import java.util.Set;
import org.apache.camel.builder.RouteBuilder;

/**
 * The routes folder's scan as a Camel route: a timer reads the folder every period, so a file created,
 * changed or deleted takes effect within about that long, and the scan is visible over JMX. A route suspended or
 * resumed is found by the next scan too.
 */
public final class RouteFolderRoutes extends RouteBuilder {

    public static final String ROUTE_ID = "routes-folder";

    private final RouteFolder folder;
    private final long periodMillis;
    private final Runnable afterChange;
    /** As the last scan found them: a route suspended since (over JMX, or by its policy) has no Camel event. */
    private Set<String> notTakingRequests = Set.of();

    /** @param afterChange run after a scan that may have added or removed routes, or found one suspended or resumed */
    public RouteFolderRoutes(RouteFolder folder, long periodMillis, Runnable afterChange) {
        this.folder = folder;
        this.periodMillis = periodMillis;
        this.afterChange = afterChange;
    }

    @Override
    public void configure() {
        from("timer:caravan-routes-folder?delay=0&period=" + periodMillis)
                .routeId(ROUTE_ID)
                .routeDescription("Loads, reloads and removes the user routes of " + folder.folder())
                .process(exchange -> {
                    // routes added while Camel is still starting are never started: Caravan scans once it has
                    if (!exchange.getContext().isStarted()) {
                        return;
                    }
                    boolean changed = folder.scan(exchange.getContext());
                    Set<String> idle = folder.notTakingRequests(exchange.getContext());
                    if (changed || !idle.equals(notTakingRequests)) {
                        notTakingRequests = idle;
                        afterChange.run();
                    }
                });
    }
}

package dev.caravan.extension;

import org.apache.camel.builder.RouteBuilder;

/**
 * The routes folder's scan as a Camel route: a timer reads the folder every period, so a file created,
 * changed or deleted takes effect within about that long, and the scan is visible over JMX.
 */
public final class RouteFolderRoutes extends RouteBuilder {

    public static final String ROUTE_ID = "routes-folder";

    private final RouteFolder folder;
    private final long periodMillis;
    private final Runnable afterChange;

    /** @param afterChange run after a scan that may have added or removed routes */
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
                    if (folder.scan(exchange.getContext())) {
                        afterChange.run();
                    }
                });
    }
}

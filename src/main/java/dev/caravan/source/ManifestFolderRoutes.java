package dev.caravan.source;

import org.apache.camel.builder.RouteBuilder;

/**
 * The manifest folder as a Camel source route: a timer drives a scan every second, so created,
 * changed and deleted files take effect within about a second, with the route's state and statistics
 * visible over JMX like every other source.
 */
public final class ManifestFolderRoutes extends RouteBuilder {

    public static final String ROUTE_ID = "source-manifests";

    private final ManifestFolder folder;
    private final long periodMillis;

    public ManifestFolderRoutes(ManifestFolder folder, long periodMillis) {
        this.folder = folder;
        this.periodMillis = periodMillis;
    }

    @Override
    public void configure() {
        from("timer:caravan-manifests?delay=0&period=" + periodMillis)
                .routeId(ROUTE_ID)
                .routeDescription("Scans " + folder.folder() + " for Ingress, IngressClass, Service, EndpointSlice,"
                        + " Endpoints and Secret manifests")
                .process(exchange -> folder.scan());
    }
}

package dev.caravan.status;

import org.apache.camel.builder.RouteBuilder;

/**
 * The leader's periodic work as a Camel route on {@code master:}: it runs on exactly one replica, and
 * moves to another when that one stops. It brings Ingress status to the published addresses; status
 * already right costs nothing but a comparison.
 */
public final class StatusRoutes extends RouteBuilder {

    public static final String ROUTE_ID = "status-ingress";

    private final IngressStatusWriter writer;
    private final long periodMillis;

    public StatusRoutes(IngressStatusWriter writer, long periodMillis) {
        this.writer = writer;
        this.periodMillis = periodMillis;
    }

    @Override
    public void configure() {
        from("master:" + LeaderElection.GROUP + ":timer:caravan-status?delay=0&period=" + periodMillis)
                .routeId(ROUTE_ID)
                .routeDescription("On the leader only: writes status.loadBalancer.ingress of our Ingresses")
                .process(exchange -> writer.sync());
    }
}

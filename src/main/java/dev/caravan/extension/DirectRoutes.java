package dev.caravan.extension;

import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.apache.camel.component.direct.DirectEndpoint;

/** Finds a user route an Ingress names by id: it must be started and consume a {@code direct:} endpoint. */
final class DirectRoutes {

    private DirectRoutes() {
    }

    /** The route's {@code direct:} endpoint, or {@code null} when there is no such started route. */
    static Endpoint find(CamelContext context, String routeId) {
        Route route = context.getRoute(routeId);
        Endpoint endpoint = route == null ? null : route.getEndpoint();
        if (!(endpoint instanceof DirectEndpoint)
                || context.getRouteController().getRouteStatus(routeId) != ServiceStatus.Started) {
            return null;
        }
        return endpoint;
    }
}

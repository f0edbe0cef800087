package dev.caravan.gateway;

import dev.caravan.extension.UserRoutes;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.support.AsyncProcessorSupport;

/**
 * Serves a request whose Ingress backend is a user's Camel route ({@code resource: {apiGroup: caravan.dev,
 * kind: CamelRoute, name: ROUTE}}): the route, which must consume a {@code direct:} endpoint, gets the
 * Exchange with the request's headers and body, and what it leaves in the message is the response. It runs
 * on {@link UserRoutes}' pool, not on the event loop the listener's consumer calls this on. A route that is
 * not there (or not a direct: one, or stopped) gets 503, as does a request the pool has no room for.
 */
final class CamelRouteBackend extends AsyncProcessorSupport {

    private final UserRoutes routes;

    CamelRouteBackend(UserRoutes routes) {
        this.routes = routes;
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        String routeId = exchange.getMessage().getHeader(ListenerRoutes.CAMEL_ROUTE_HEADER, String.class);
        exchange.getMessage().removeHeader(ListenerRoutes.CAMEL_ROUTE_HEADER);
        routes.send(routeId, exchange, outcome -> {
            if (outcome != UserRoutes.Outcome.RAN) {
                RequestWarnings.warn("503 for a CamelRoute backend: {}", outcome == UserRoutes.Outcome.BUSY
                        ? "user routes busy (" + routes.capacity() + ")"
                        : "no started route " + routeId + " consuming a direct: endpoint");
                exchange.getMessage().removeHeaders("*");
                exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 503);
                exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "text/plain; charset=utf-8");
                exchange.getMessage().setBody("503 Service Unavailable\n");
            }
            // always reported as asynchronous, even when refused on this thread: process() returns false either way
            callback.done(false);
        });
        return false;
    }
}

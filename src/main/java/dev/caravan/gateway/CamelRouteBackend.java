package dev.caravan.gateway;

import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.ProducerTemplate;

/**
 * Serves a request whose Ingress backend is a user's Camel route ({@code resource: {apiGroup: caravan.dev,
 * kind: CamelRoute, name: ROUTE}}): the route, which must consume a {@code direct:} endpoint, gets the
 * Exchange with the request's headers and body, and what it leaves in the message is the response. A
 * route that is not there (or not a direct: one, or stopped) gets 503.
 */
final class CamelRouteBackend implements Processor {

    private volatile ProducerTemplate producer;

    private ProducerTemplate producer(Exchange exchange) {
        ProducerTemplate template = producer;
        if (template == null) {
            synchronized (this) {
                if (producer == null) {
                    producer = exchange.getContext().createProducerTemplate();
                }
                template = producer;
            }
        }
        return template;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        String routeId = exchange.getMessage().getHeader(ListenerRoutes.CAMEL_ROUTE_HEADER, String.class);
        exchange.getMessage().removeHeader(ListenerRoutes.CAMEL_ROUTE_HEADER);
        Endpoint endpoint = DirectRoutes.find(exchange.getContext(), routeId);
        if (endpoint == null) {
            RequestWarnings.warn("503 for a CamelRoute backend: no started route {} consuming a direct: endpoint",
                    routeId);
            exchange.getMessage().removeHeaders("*");
            exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 503);
            exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "text/plain; charset=utf-8");
            exchange.getMessage().setBody("503 Service Unavailable\n");
            return;
        }
        producer(exchange).send(endpoint, exchange);
    }
}

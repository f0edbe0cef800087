package dev.caravan.gateway;

import dev.caravan.extension.UserRoutes;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;

/**
 * The listener as a Camel route. Its consumer runs on the {@link HttpListener}'s Netty server; requests
 * for pods never reach it (the gateway proxies them in Netty), but its state governs the whole
 * listener: suspended over JMX, the listener answers 503. What no Ingress rule matches becomes an
 * Exchange here and gets the built-in default backend's 404; a request for a CamelRoute backend is
 * handed to that user route.
 */
public final class ListenerRoutes extends RouteBuilder {

    /** The registry name of {@link ClientFailures}, bound by whoever adds these routes. */
    public static final String EXCEPTION_HANDLER_BEAN = "caravanClientFailures";

    private final String listenerBean;
    private final ListenerSettings settings;
    private final UserRoutes userRoutes;

    public ListenerRoutes(String listenerBean, ListenerSettings settings, UserRoutes userRoutes) {
        this.listenerBean = listenerBean;
        this.settings = settings;
        this.userRoutes = userRoutes;
    }

    public static String routeId(ListenerSettings settings) {
        return "listener-" + settings.scheme();
    }

    @Override
    public void configure() {
        from("netty-http:" + settings.scheme() + "://" + settings.host() + ":" + settings.port()
                + "/?matchOnUriPrefix=true&nettySharedHttpServer=#" + listenerBean
                + "&muteException=true&httpMethodRestrict=GET,HEAD,POST,PUT,PATCH,DELETE,OPTIONS"
                // bridge mode keeps camel-netty-http from parsing form bodies into headers (it throws on "a&b")
                + "&bridgeEndpoint=true&exceptionHandler=#" + EXCEPTION_HANDLER_BEAN)
                .routeId(routeId(settings))
                .routeDescription(settings.scheme().toUpperCase() + " listener on port " + settings.port()
                        + "; serves the built-in default backend")
                .choice()
                    .when(exchange -> CamelRouteBackend.routeOf(exchange) != null)
                        .process(new CamelRouteBackend(userRoutes))
                    .otherwise()
                        .removeHeaders("*")
                        .setHeader(Exchange.HTTP_RESPONSE_CODE, constant(404))
                        .setHeader(Exchange.CONTENT_TYPE, constant("text/plain; charset=utf-8"))
                        .process(exchange -> exchange.getMessage().setBody("404 Not Found\n"))
                .end();
    }
}

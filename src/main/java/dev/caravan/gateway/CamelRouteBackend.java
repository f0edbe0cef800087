package dev.caravan.gateway;

import dev.caravan.extension.UserRoutes;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.AttributeKey;
import java.net.URISyntaxException;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.component.netty.NettyConstants;
import org.apache.camel.support.AsyncProcessorSupport;
import org.apache.camel.util.URISupport;

/**
 * Serves a request whose Ingress backend is a user's Camel route ({@code resource: {apiGroup: caravan.dev,
 * kind: CamelRoute, name: ROUTE}}): the route, which must consume a {@code direct:} endpoint, gets the
 * Exchange with the request's headers and body, and what it leaves in the message is the response. It runs
 * on {@link UserRoutes}' pool, not on the event loop the listener's consumer calls this on. A route that is
 * not there (or not a direct: one, or stopped) gets 503, as does a request the pool has no room for.
 */
final class CamelRouteBackend extends AsyncProcessorSupport {

    /** The user route the gateway chose for the request now on a channel; set by the gateway only. */
    static final AttributeKey<String> ROUTE = AttributeKey.valueOf("caravan.camel-route");

    private final UserRoutes routes;

    CamelRouteBackend(UserRoutes routes) {
        this.routes = routes;
    }

    /** The route the gateway chose for this request, or {@code null} when the request is the default backend's. */
    static String routeOf(Exchange exchange) {
        Channel channel = channel(exchange);
        return channel == null ? null : channel.attr(ROUTE).get();
    }

    private static Channel channel(Exchange exchange) {
        // an object camel-netty puts in the message; a client's headers and query are strings, never this
        Object context = exchange.getMessage().getHeader(NettyConstants.NETTY_CHANNEL_HANDLER_CONTEXT);
        return context instanceof ChannelHandlerContext handlerContext ? handlerContext.channel() : null;
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        String routeId = routeOf(exchange);
        channel(exchange).attr(ROUTE).set(null);
        Map<String, Object> query = queryHeaders(exchange);
        routes.send(routeId, exchange, outcome -> {
            dropUnchanged(exchange, query);
            String badStatus = outcome == UserRoutes.Outcome.RAN && !exchange.isFailed() ? badStatus(exchange) : null;
            if (badStatus != null) {
                // camel-netty-http would fail to write it, and the client wait for the keep-alive timeout
                RequestWarnings.warn("500 for CamelRoute backend {}: it answered with status {}, not 200-599",
                        routeId, badStatus);
            }
            if (outcome == UserRoutes.Outcome.RAN && (exchange.isFailed() || badStatus != null)) {
                // the route's error handler has logged it; the answer is a plain 500, not the request's headers
                // (Set-Cookie, Access-Control-*) sent back as camel-netty-http would make them the response's
                exchange.setException(null);
                exchange.getMessage().removeHeaders("*");
                exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 500);
                exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "text/plain; charset=utf-8");
                exchange.getMessage().setBody("500 Internal Server Error\n");
            } else if (outcome != UserRoutes.Outcome.RAN) {
                // BUSY or NO_ROUTE: this send never abandons
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

    /** The status a route set that no final response can have (not a number, or not 200-599), or {@code null}. */
    private static String badStatus(Exchange exchange) {
        Object value = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE);
        if (value == null) {
            return null;
        }
        Integer status = exchange.getContext().getTypeConverter().tryConvertTo(Integer.class, exchange, value);
        return status != null && status >= 200 && status <= 599 ? null : "'" + value + "'";
    }

    /**
     * The message headers camel-netty-http made of the query's parameters, as they are before the route runs.
     * Parsed as camel-netty-http parses them, so the names are the same.
     */
    private static Map<String, Object> queryHeaders(Exchange exchange) {
        String query = exchange.getMessage().getHeader(Exchange.HTTP_RAW_QUERY, String.class);
        Map<String, Object> headers = new HashMap<>();
        if (query == null || query.isEmpty()) {
            return headers;
        }
        try {
            for (String name : URISupport.parseQuery(query, false, true).keySet()) {
                headers.put(name, exchange.getMessage().getHeader(name));
            }
        } catch (URISyntaxException e) {
            // camel-netty-http made no headers of a query it could not parse either
        }
        return headers;
    }

    /**
     * A query parameter the route left as it came is no response header: else a link could set any, a
     * {@code Set-Cookie} or a {@code Location}, on a route that keeps the request's headers.
     */
    private static void dropUnchanged(Exchange exchange, Map<String, Object> query) {
        query.forEach((name, value) -> {
            if (value != null && Objects.equals(exchange.getMessage().getHeader(name), value)) {
                exchange.getMessage().removeHeader(name);
            }
        });
    }
}

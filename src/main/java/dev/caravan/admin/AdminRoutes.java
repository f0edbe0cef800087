package dev.caravan.admin;

import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;

/** The admin port, as ingress-nginx's: {@code /healthz} (alive) and {@code /readyz} (may take traffic). */
public final class AdminRoutes extends RouteBuilder {

    private final String host;
    private final int port;
    private final Readiness readiness;

    public AdminRoutes(String host, int port, Readiness readiness) {
        this.host = host;
        this.port = port;
        this.readiness = readiness;
    }

    @Override
    public void configure() {
        String base = "netty-http:http://" + host + ":" + port;
        from(base + "/healthz?httpMethodRestrict=GET,HEAD&muteException=true")
                .routeId("admin-healthz")
                .routeDescription("Liveness: answers 200 while the process runs")
                .removeHeaders("*")
                .setHeader(Exchange.CONTENT_TYPE, constant("text/plain; charset=utf-8"))
                .process(exchange -> exchange.getMessage().setBody("ok\n"));
        from(base + "/readyz?httpMethodRestrict=GET,HEAD&muteException=true")
                .routeId("admin-readyz")
                .routeDescription("Readiness: 200 once the sources are loaded and the listeners bound, else 503")
                .removeHeaders("*")
                .setHeader(Exchange.CONTENT_TYPE, constant("text/plain; charset=utf-8"))
                .process(exchange -> {
                    if (readiness.ready()) {
                        exchange.getMessage().setBody("ready\n");
                    } else {
                        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 503);
                        exchange.getMessage().setBody("not ready; waiting for: " + String.join(", ", readiness.pending()) + "\n");
                    }
                });
    }
}

package dev.caravan.admin;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;

/**
 * The admin port, as ingress-nginx's: {@code /healthz} (alive), {@code /readyz} (may take traffic) and
 * {@code /metrics} (Prometheus).
 */
public final class AdminRoutes extends RouteBuilder {

    private final String host;
    private final int port;
    private final Readiness readiness;
    private final PrometheusMeterRegistry metrics;

    /** @param metrics what {@code /metrics} serves, or {@code null} for no {@code /metrics} */
    public AdminRoutes(String host, int port, Readiness readiness, PrometheusMeterRegistry metrics) {
        this.host = host;
        this.port = port;
        this.readiness = readiness;
        this.metrics = metrics;
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
        if (metrics != null) {
            from(base + "/metrics?httpMethodRestrict=GET,HEAD&muteException=true")
                    .routeId("admin-metrics")
                    .routeDescription("Prometheus metrics: ingress-nginx's request metrics and Caravan's own")
                    .removeHeaders("*")
                    .setHeader(Exchange.CONTENT_TYPE, constant("text/plain; version=0.0.4; charset=utf-8"))
                    .process(exchange -> exchange.getMessage().setBody(metrics.scrape()));
        }
    }
}

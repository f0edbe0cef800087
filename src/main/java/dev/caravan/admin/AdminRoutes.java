package dev.caravan.admin;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.builder.RouteBuilder;

/**
 * The admin port, as ingress-nginx's: {@code /healthz} (alive), {@code /readyz} (may take traffic) and
 * {@code /metrics} (Prometheus), and {@code /jolokia} (JMX over HTTP, read-only) when turned on.
 */
public final class AdminRoutes extends RouteBuilder {

    private final String host;
    private final int port;
    private final Readiness readiness;
    private final PrometheusMeterRegistry metrics;
    private final JolokiaEndpoint jolokia;

    /**
     * @param metrics what {@code /metrics} serves, or {@code null} for no {@code /metrics}
     * @param jolokia what {@code /jolokia} serves, or {@code null} for no {@code /jolokia}
     */
    public AdminRoutes(String host, int port, Readiness readiness, PrometheusMeterRegistry metrics,
            JolokiaEndpoint jolokia) {
        this.host = host;
        this.port = port;
        this.readiness = readiness;
        this.metrics = metrics;
        this.jolokia = jolokia;
    }

    @Override
    public void configure() {
        getContext().getRegistry().bind(HostlessRequests.NAME, new HostlessRequests());
        String base = "netty-http:http://" + host + ":" + port;
        // every endpoint of the port names the same options: they share its server
        String shared = "&muteException=true&decoders=#" + HostlessRequests.NAME;
        from(base + "/healthz?httpMethodRestrict=GET,HEAD" + shared)
                .routeId("admin-healthz")
                .routeDescription("Liveness: answers 200 while the process runs")
                .removeHeaders("*")
                .setHeader(Exchange.CONTENT_TYPE, constant("text/plain; charset=utf-8"))
                .process(exchange -> exchange.getMessage().setBody("ok\n"));
        from(base + "/readyz?httpMethodRestrict=GET,HEAD" + shared)
                .routeId("admin-readyz")
                .routeDescription("Readiness: 200 once the sources are loaded and the listeners bound, else 503")
                .removeHeaders("*")
                .setHeader(Exchange.CONTENT_TYPE, constant("text/plain; charset=utf-8"))
                .process(exchange -> {
                    if (readiness.ready()) {
                        exchange.getMessage().setBody("ready\n");
                    } else {
                        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 503);
                        exchange.getMessage().setBody("not ready: " + readiness.notReadyReason() + "\n");
                    }
                });
        if (metrics != null) {
            from(base + "/metrics?httpMethodRestrict=GET,HEAD" + shared)
                    .routeId("admin-metrics")
                    .routeDescription("Prometheus metrics: ingress-nginx's request metrics and Caravan's own")
                    .removeHeaders("*")
                    .setHeader(Exchange.CONTENT_TYPE, constant("text/plain; version=0.0.4; charset=utf-8"))
                    .process(exchange -> exchange.getMessage().setBody(metrics.scrape()));
        }
        if (jolokia != null) {
            from(base + "/jolokia?matchOnUriPrefix=true&httpMethodRestrict=GET,POST" + shared)
                    .routeId("admin-jolokia")
                    .routeDescription("JMX over HTTP (Jolokia), read-only")
                    .process(exchange -> {
                        Message message = exchange.getMessage();
                        byte[] body = "POST".equals(message.getHeader(Exchange.HTTP_METHOD, String.class))
                                ? message.getBody(byte[].class) : null;
                        String answer = jolokia.handle(message.getHeader(Exchange.HTTP_URI, String.class),
                                message.getHeader(Exchange.HTTP_PATH, String.class),
                                message.getHeader(Exchange.HTTP_RAW_QUERY, String.class), body);
                        message.removeHeaders("*");
                        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
                        message.setBody(answer);
                    });
        }
    }
}

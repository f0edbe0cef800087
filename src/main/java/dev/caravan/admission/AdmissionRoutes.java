package dev.caravan.admission;

import dev.caravan.gateway.ListenerRoutes;
import dev.caravan.status.LeaderElection;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponseBuilder;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.builder.RouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook as Camel routes: {@code POST /validate} on the webhook server, the reload of its certificate
 * on every replica, and the leader's upkeep of the Secret and the caBundle.
 */
final class AdmissionRoutes extends RouteBuilder {

    static final String WEBHOOK_ROUTE = "admission-webhook";
    private static final Logger LOG = LoggerFactory.getLogger(AdmissionRoutes.class);

    private final String serverBean;
    private final String host;
    private final int port;
    private final AdmissionReviews reviews;
    private final AdmissionReviewer reviewer;
    private final WebhookCertificateReloader reloader;
    private final WebhookCertificateIssuer issuer;
    private final long periodMillis;

    AdmissionRoutes(String serverBean, String host, int port, AdmissionReviews reviews, AdmissionReviewer reviewer,
            WebhookCertificateReloader reloader, WebhookCertificateIssuer issuer, long periodMillis) {
        this.serverBean = serverBean;
        this.host = host;
        this.port = port;
        this.reviews = reviews;
        this.reviewer = reviewer;
        this.reloader = reloader;
        this.issuer = issuer;
        this.periodMillis = periodMillis;
    }

    @Override
    public void configure() {
        // the scheme is http because the server's own pipeline, not camel-netty-http, does the TLS
        from("netty-http:http://" + host + ":" + port + "/validate?nettySharedHttpServer=#" + serverBean
                + "&httpMethodRestrict=POST&muteException=true&exceptionHandler=#" + ListenerRoutes.EXCEPTION_HANDLER_BEAN)
                .routeId(WEBHOOK_ROUTE)
                .routeDescription("Validating admission webhook: AdmissionReview v1 of Ingresses on port " + port)
                .process(this::answer);
        from("timer:caravan-admission-certificate?delay=0&period=" + periodMillis)
                .routeId("admission-certificate")
                .routeDescription("Every replica: serves the certificate of the admission webhook's Secret")
                .process(exchange -> reloader.reload());
        from("master:" + LeaderElection.GROUP + ":timer:caravan-admission-secret?delay=0&period=" + periodMillis)
                .routeId("admission-secret")
                .routeDescription("On the leader only: makes the admission webhook's Secret, keeps the caBundle equal"
                        + " to its CA")
                .process(exchange -> issuer.ensure());
    }

    private void answer(Exchange exchange) {
        Message message = exchange.getMessage();
        byte[] body = message.getBody(byte[].class);
        message.removeHeaders("*");
        AdmissionRequest request;
        try {
            request = reviews.parse(body);
        } catch (AdmissionReviews.MalformedReviewException e) {
            message.setHeader(Exchange.HTTP_RESPONSE_CODE, 400);
            message.setHeader(Exchange.CONTENT_TYPE, "text/plain; charset=utf-8");
            message.setBody(e.getMessage() + "\n");
            return;
        }
        byte[] answer;
        try {
            answer = reviews.write(reviewer.review(request));
        } catch (RuntimeException e) {
            // a fault of ours must never block a change to the cluster
            LOG.warn("Admission webhook: could not review {} {}/{}; allowed", request.getOperation(),
                    request.getNamespace(), request.getName(), e);
            answer = reviews.write(new AdmissionResponseBuilder().withUid(request.getUid()).withAllowed(true)
                    .withWarnings("Caravan could not review this request: " + e).build());
        }
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setBody(answer);
    }
}

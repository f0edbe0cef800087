package dev.caravan.admission;

import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;

/**
 * AdmissionReview v1 JSON, read and written with fabric8's model. A body that is not an AdmissionReview
 * v1 with a request and its uid has no answer the API server could match, so it is refused as a whole
 * ({@link MalformedReviewException}); the API server then applies the webhook's failurePolicy.
 */
public final class AdmissionReviews {

    static final String API_VERSION = "admission.k8s.io/v1";

    /** Why a body is no AdmissionReview this webhook can answer. */
    public static final class MalformedReviewException extends Exception {
        MalformedReviewException(String message) {
            super(message);
        }
    }

    private final KubernetesSerialization serialization;

    public AdmissionReviews(KubernetesSerialization serialization) {
        this.serialization = serialization;
    }

    public AdmissionRequest parse(byte[] body) throws MalformedReviewException {
        if (body == null || body.length == 0) {
            throw new MalformedReviewException("no body: expected an AdmissionReview");
        }
        AdmissionReview review;
        try {
            review = serialization.unmarshal(new String(body, StandardCharsets.UTF_8), AdmissionReview.class);
        } catch (RuntimeException e) {
            // fabric8 wraps Jackson's exception, whose message says where the JSON went wrong
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new MalformedReviewException("not an AdmissionReview: " + cause.getMessage());
        }
        if (review == null || !API_VERSION.equals(review.getApiVersion()) || !"AdmissionReview".equals(review.getKind())) {
            throw new MalformedReviewException("expected apiVersion " + API_VERSION + ", kind AdmissionReview");
        }
        AdmissionRequest request = review.getRequest();
        if (request == null || request.getUid() == null || request.getUid().isBlank()) {
            throw new MalformedReviewException("the AdmissionReview has no request with a uid");
        }
        return request;
    }

    public byte[] write(AdmissionResponse response) {
        AdmissionReview review = new AdmissionReviewBuilder().withApiVersion(API_VERSION).withKind("AdmissionReview")
                .withResponse(response).build();
        return serialization.asJson(review).getBytes(StandardCharsets.UTF_8);
    }
}

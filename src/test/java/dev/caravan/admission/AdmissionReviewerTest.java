package dev.caravan.admission;

import static dev.caravan.testing.ClusterObjects.ingress;
import static dev.caravan.testing.ClusterObjects.ingressClass;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.compile.Compilation;
import dev.caravan.compile.ControllerSettings;
import dev.caravan.compile.IngressCompiler;
import dev.caravan.state.Change;
import dev.caravan.state.ClusterState;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The reviewer on AdmissionReview JSON as the API server sends it, against a state with one Ingress served. */
class AdmissionReviewerTest {

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private final ClusterState state = ClusterState.EMPTY.with(List.of(Change.upsert(ingressClass()),
            Change.upsert(ingress("shop", "shop.example.com", "/cart", "shop"))));
    private final Compilation compilation = new IngressCompiler(ControllerSettings.defaults())
            .compile(state, Compilation.EMPTY);
    private final AdmissionReviewer reviewer = new AdmissionReviewer(ControllerSettings.defaults(), () -> state,
            compilation::table, SERIALIZATION);
    private final AdmissionReviews reviews = new AdmissionReviews(SERIALIZATION);

    /** The whole round trip: JSON in, JSON out, read back as a tree (no fabric8 on the way back). */
    private JsonNode answer(String review) throws Exception {
        AdmissionResponse response = reviewer.review(reviews.parse(review.getBytes(StandardCharsets.UTF_8)));
        JsonNode answer = new ObjectMapper().readTree(reviews.write(response));
        assertThat(answer.path("apiVersion").asText()).isEqualTo("admission.k8s.io/v1");
        assertThat(answer.path("kind").asText()).isEqualTo("AdmissionReview");
        return answer.path("response");
    }

    private static Ingress annotated(String name, String host, Map<String, String> annotations) {
        Ingress ingress = ingress(name, host, "/", "svc");
        ingress.getMetadata().setAnnotations(annotations);
        return ingress;
    }

    @Test
    void aValidIngressIsAllowedWithoutWarningsAndTheUidIsEchoed() throws Exception {
        JsonNode response = answer(AdmissionRequests.review("CREATE", "0df28fbd-5f5f-4f4f-8f8f-3e1b2c1d0a9b",
                ingress("web", "web.example.com", "/", "web")));
        assertThat(response.path("uid").asText()).isEqualTo("0df28fbd-5f5f-4f4f-8f8f-3e1b2c1d0a9b");
        assertThat(response.path("allowed").asBoolean()).isTrue();
        assertThat(response.has("warnings")).isFalse();
        assertThat(response.has("status")).isFalse();
    }

    @Test
    void aBadAnnotationValueIsDeniedNamingTheIngressAndTheReason() throws Exception {
        JsonNode response = answer(AdmissionRequests.review("CREATE", annotated("slow", "slow.example.com",
                Map.of("nginx.ingress.kubernetes.io/use-regex", "soon"))));
        assertThat(response.path("allowed").asBoolean()).isFalse();
        assertThat(response.path("status").path("code").asInt()).isEqualTo(400);
        assertThat(response.path("status").path("message").asText())
                .startsWith("Ingress default/slow is refused by Caravan: ")
                .contains("nginx.ingress.kubernetes.io/use-regex");
    }

    @Test
    void everyReasonIsGivenAtOnce() throws Exception {
        Ingress ingress = annotated("many", "many.example.com",
                Map.of("nginx.ingress.kubernetes.io/use-regex", "soon",
                        "nginx.ingress.kubernetes.io/server-snippet", "return 200;"));
        ingress.getSpec().getRules().get(0).getHttp().getPaths().get(0).setPath("no-slash");
        String message = answer(AdmissionRequests.review("UPDATE", ingress)).path("status").path("message").asText();
        assertThat(message).contains("use-regex", "server-snippet", "spec.rules[0].http.paths[0].path");
    }

    @Test
    void theObjectsItNamesAreWarnedAboutNotRefused() throws Exception {
        // the informer's copy may lag a ConfigMap written just before the Ingress: a warning, never a refusal
        ClusterState withHeaders = state.with(List.of(Change.upsert(new ConfigMapBuilder().withNewMetadata()
                .withNamespace("default").withName("headers").endMetadata().addToData("X-Frame-Options", "DENY")
                .build())));
        AdmissionReviewer reviewer = new AdmissionReviewer(ControllerSettings.defaults(), () -> withHeaders,
                compilation::table, SERIALIZATION);
        Ingress ingress = annotated("headers", "headers.example.com", Map.of(
                "nginx.ingress.kubernetes.io/custom-headers", "headers",
                "nginx.ingress.kubernetes.io/auth-type", "basic", "nginx.ingress.kubernetes.io/auth-secret", "users"));
        AdmissionResponse response = reviewer.review(reviews.parse(AdmissionRequests.review("CREATE", ingress)
                .getBytes(StandardCharsets.UTF_8)));
        assertThat(response.getAllowed()).isTrue();
        assertThat(response.getWarnings()).containsExactlyInAnyOrder(
                "nginx.ingress.kubernetes.io/custom-headers: ConfigMap default/headers sets X-Frame-Options, which is"
                        + " not among the headers --global-allowed-response-headers allows; its paths answer 503 until it"
                        + " is fixed",
                "Secret default/users (nginx.ingress.kubernetes.io/auth-secret) does not exist (yet)");
    }

    @Test
    void snippetsAreDenied() throws Exception {
        JsonNode response = answer(AdmissionRequests.review("CREATE", annotated("snippet", "snippet.example.com",
                Map.of("nginx.ingress.kubernetes.io/configuration-snippet", "more_set_headers \"X: y\";"))));
        assertThat(response.path("allowed").asBoolean()).isFalse();
        assertThat(response.path("status").path("message").asText())
                .contains("nginx.ingress.kubernetes.io/configuration-snippet");
    }

    @Test
    void aCatchAllIsDeniedWithDisableCatchAllAsIngressNginxsWebhookDeniesIt() throws Exception {
        ControllerSettings settings = new ControllerSettings("caravan", "caravan.dev/ingress-controller", false, null,
                false, false, java.util.Set.of(), null, null, Map.of(), Map.of(), List.of(), null, null, true, true,
                null);
        AdmissionReviewer strict = new AdmissionReviewer(settings, () -> state, compilation::table, SERIALIZATION);
        Ingress catchAll = ingress("all", "all.example.com", "/", "shop");
        catchAll.getSpec().setDefaultBackend(catchAll.getSpec().getRules().get(0).getHttp().getPaths().get(0)
                .getBackend());
        AdmissionResponse denied = strict.review(reviews.parse(AdmissionRequests.review("CREATE", catchAll)
                .getBytes(StandardCharsets.UTF_8)));
        assertThat(denied.getAllowed()).isFalse();
        assertThat(denied.getStatus().getMessage()).contains("catch-all", "--disable-catch-all");
        // without the flag, the same Ingress is allowed
        assertThat(reviewer.review(reviews.parse(AdmissionRequests.review("CREATE", catchAll)
                .getBytes(StandardCharsets.UTF_8))).getAllowed()).isTrue();
    }

    @Test
    void withAnotherAnnotationPrefixTheUsualOnesAreDeniedAndTheirsRead() throws Exception {
        AdmissionReviewer prefixed = new AdmissionReviewer(ControllerSettings::defaults,
                new dev.caravan.state.AnnotationPrefix("internal.example.com"), () -> state, compilation::table,
                SERIALIZATION);
        AdmissionResponse usual = prefixed.review(reviews.parse(AdmissionRequests.review("CREATE",
                annotated("usual", "usual.example.com", Map.of("nginx.ingress.kubernetes.io/proxy-body-size", "8m")))
                .getBytes(StandardCharsets.UTF_8)));
        assertThat(usual.getAllowed()).isFalse();
        assertThat(usual.getStatus().getMessage()).contains("nginx.ingress.kubernetes.io/proxy-body-size",
                "--annotations-prefix internal.example.com");
        // the prefix's own are read as the usual ones are: a bad value is denied
        AdmissionResponse own = prefixed.review(reviews.parse(AdmissionRequests.review("CREATE",
                annotated("own", "own.example.com", Map.of("internal.example.com/use-regex", "lots")))
                .getBytes(StandardCharsets.UTF_8)));
        assertThat(own.getAllowed()).isFalse();
        assertThat(own.getStatus().getMessage()).contains("use-regex");
    }

    @Test
    void aBadRegexIsDenied() throws Exception {
        JsonNode response = answer(AdmissionRequests.review("CREATE", annotated("canary", "shop.example.com",
                Map.of("nginx.ingress.kubernetes.io/canary", "true",
                        "nginx.ingress.kubernetes.io/canary-by-header", "X-Canary",
                        "nginx.ingress.kubernetes.io/canary-by-header-pattern", "(unclosed"))));
        assertThat(response.path("allowed").asBoolean()).isFalse();
        assertThat(response.path("status").path("message").asText())
                .contains("canary-by-header-pattern", "is not a regular expression");
    }

    @Test
    void aRegexPathThatIsNoRegexIsAllowedWithAWarning() throws Exception {
        Ingress ingress = annotated("regex", "regex.example.com", Map.of("nginx.ingress.kubernetes.io/use-regex", "true"));
        ingress.getSpec().getRules().get(0).getHttp().getPaths().get(0).setPath("/api/(v1");
        ingress.getSpec().getRules().get(0).getHttp().getPaths().get(0).setPathType("ImplementationSpecific");
        JsonNode response = answer(AdmissionRequests.review("CREATE", ingress));
        assertThat(response.path("allowed").asBoolean()).isTrue();
        assertThat(response.path("warnings").get(0).asText()).startsWith("path /api/(v1 is not a regular expression");
    }

    @Test
    void aCanarysPathsAreNoRegexOfTheirOwnSoNoWarning() throws Exception {
        Ingress ingress = annotated("canary", "regex.example.com", Map.of("nginx.ingress.kubernetes.io/use-regex",
                "true", "nginx.ingress.kubernetes.io/canary", "true", "nginx.ingress.kubernetes.io/canary-weight", "10"));
        ingress.getSpec().getRules().get(0).getHttp().getPaths().get(0).setPath("/api/(v1");
        ingress.getSpec().getRules().get(0).getHttp().getPaths().get(0).setPathType("ImplementationSpecific");
        JsonNode response = answer(AdmissionRequests.review("CREATE", ingress));
        assertThat(response.path("allowed").asBoolean()).isTrue();
        assertThat(response.path("warnings").toString()).doesNotContain("regular expression");
    }

    @Test
    void aPathAnotherIngressServesIsAllowedWithAWarning() throws Exception {
        Ingress ingress = ingress("shop-copy", "shop.example.com", "/cart/", "other");
        JsonNode response = answer(AdmissionRequests.review("CREATE", ingress));
        assertThat(response.path("allowed").asBoolean()).isTrue();
        assertThat(response.path("warnings")).hasSize(1);
        assertThat(response.path("warnings").get(0).asText()).isEqualTo("path /cart/ (Prefix) on host shop.example.com"
                + " is already served by Ingress default/shop; that Ingress keeps it (the older, or of two as old the later"
                + " namespace/name), so it would not be served here");
        // the owner's own update, and another path type on the same path, conflict with nothing
        assertThat(answer(AdmissionRequests.review("UPDATE", ingress("shop", "shop.example.com", "/cart", "shop")))
                .has("warnings")).isFalse();
        Ingress exact = ingress("shop-exact", "shop.example.com", "/cart", "other");
        exact.getSpec().getRules().get(0).getHttp().getPaths().get(0).setPathType("Exact");
        assertThat(answer(AdmissionRequests.review("CREATE", exact)).has("warnings")).isFalse();
    }

    @Test
    void unsupportedAnnotationsAreWarnings() throws Exception {
        JsonNode response = answer(AdmissionRequests.review("CREATE", annotated("buffered", "buffered.example.com",
                Map.of("nginx.ingress.kubernetes.io/proxy-buffering", "on"))));
        assertThat(response.path("allowed").asBoolean()).isTrue();
        assertThat(response.path("warnings").get(0).asText()).contains("proxy-buffering", "not supported");
    }

    @Test
    void anotherClassesIngressIsAllowedUnchecked() throws Exception {
        Ingress foreign = annotated("foreign", "shop.example.com",
                Map.of("nginx.ingress.kubernetes.io/server-snippet", "return 200;"));
        foreign.getSpec().getRules().get(0).getHttp().getPaths().get(0).setPath("/cart");
        foreign.getSpec().setIngressClassName("nginx");
        JsonNode response = answer(AdmissionRequests.review("CREATE", foreign));
        assertThat(response.path("allowed").asBoolean()).isTrue();
        assertThat(response.has("warnings")).isFalse();
    }

    @Test
    void deletesAreAllowed() throws Exception {
        JsonNode response = answer(AdmissionRequests.review("DELETE", "d-1", annotated("gone", "gone.example.com",
                Map.of("nginx.ingress.kubernetes.io/server-snippet", "return 200;"))));
        assertThat(response.path("uid").asText()).isEqualTo("d-1");
        assertThat(response.path("allowed").asBoolean()).isTrue();
    }

    @Test
    void anObjectThatIsNoIngressIsAllowedWithAWarning() throws Exception {
        // without its kind, the object is not read along with the review, but by the reviewer
        String review = AdmissionRequests.review("CREATE", "u-2", ingress("odd", "odd.example.com", "/", "svc"))
                .replace("\"kind\":\"Ingress\",\"metadata\"", "\"metadata\"")
                .replace("\"rules\":[", "\"rules\":\"not a list\",\"x\":[");
        JsonNode response = answer(review);
        assertThat(response.path("uid").asText()).isEqualTo("u-2");
        assertThat(response.path("allowed").asBoolean()).isTrue();
        assertThat(response.path("warnings").get(0).asText()).startsWith("Caravan could not read this Ingress");
    }

    @Test
    void bodiesThatAreNoAdmissionReviewAreRefusedWithTheReason() {
        String badIngress = AdmissionRequests.review("CREATE", ingress("odd", "odd.example.com", "/", "svc"))
                .replace("\"rules\":[", "\"rules\":\"not a list\",\"x\":[");
        for (String body : List.of("", "{", "[]", badIngress, "{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\","
                + "\"request\":{\"uid\":\"x\"}}", "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}",
                "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"\"}}")) {
            assertThatThrownBy(() -> reviews.parse(body.getBytes(StandardCharsets.UTF_8))).as(body)
                    .isInstanceOf(AdmissionReviews.MalformedReviewException.class).hasMessageContaining("AdmissionReview");
        }
    }
}

package dev.caravan.admission;

import static dev.caravan.testing.ClusterObjects.ingress;
import static dev.caravan.testing.ClusterObjects.ingressClass;
import static dev.caravan.testing.ClusterObjects.readyPod;
import static dev.caravan.testing.ClusterObjects.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.FreePorts;
import dev.caravan.testing.MockApiServer;
import dev.caravan.testing.RawHttp;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The webhook end to end against the CRUD mock API server: the leader makes the Secret and patches the
 * caBundle, and AdmissionReviews sent over HTTPS, by a client trusting only that CA and checking the
 * Service's name, get the reviewer's verdicts; a replaced or deleted Secret is taken up.
 */
class AdmissionWebhookTest {

    private static final String NAMESPACE = "caravan";
    private static final String SERVICE_NAME = "caravan-admission.caravan.svc";
    private static final Duration WAIT = Duration.ofSeconds(30);

    MockApiServer server;
    KubernetesClient client;
    CaravanHarness caravan;
    int port;

    @BeforeEach
    void start() throws Exception {
        server = MockApiServer.started();
        client = server.client();
        client.resource(ingressClass()).create();
        client.resource(service("shop")).create();
        client.resource(ingress("shop", "shop.example.com", "/cart", "shop")).create();
        client.resource(readyPod(NAMESPACE, "caravan-0")).create();
        client.resource(configuration()).create();
        port = FreePorts.next();
        caravan = CaravanHarness.startInCluster("--apiserver-host", server.url(), "--pod-name", "caravan-0",
                "--pod-namespace", NAMESPACE, "--election-lease-duration", "2", "--webhook-port", String.valueOf(port));
    }

    @AfterEach
    void stop() throws Exception {
        if (caravan != null) {
            caravan.close();
        }
        server.close();
    }

    /** As k8s/base/admission.yaml has it, before the leader sets the caBundle. */
    private static ValidatingWebhookConfiguration configuration() {
        return new ValidatingWebhookConfigurationBuilder().withNewMetadata().withName("caravan-admission").endMetadata()
                .addNewWebhook().withName("validate.ingress.caravan.dev").withAdmissionReviewVersions("v1")
                .withSideEffects("None").withFailurePolicy("Ignore").withTimeoutSeconds(3)
                .withNewClientConfig().withNewService().withNamespace(NAMESPACE).withName("caravan-admission")
                .withPath("/validate").withPort(443).endService().endClientConfig()
                .addNewRule().withApiGroups("networking.k8s.io").withApiVersions("v1").withResources("ingresses")
                .withOperations("CREATE", "UPDATE").endRule().endWebhook().build();
    }

    private Secret secret() {
        return client.secrets().inNamespace(NAMESPACE).withName("caravan-admission").get();
    }

    private static String ca(Secret secret) {
        return new String(Base64.getDecoder().decode(secret.getData().get("ca.crt")), StandardCharsets.US_ASCII);
    }

    private String caBundle() {
        ValidatingWebhookConfiguration current = client.admissionRegistration().v1().validatingWebhookConfigurations()
                .withName("caravan-admission").get();
        return current.getWebhooks().get(0).getClientConfig().getCaBundle();
    }

    /** Waits until the leader has a Secret whose CA is in the caBundle and the webhook serves its certificate. */
    private String awaitServedCa(String unlike) {
        String[] ca = new String[1];
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
            Secret secret = secret();
            if (secret == null || ca(secret).equals(unlike)) {
                return false;
            }
            ca[0] = ca(secret);
            return Base64.getEncoder().encodeToString(ca[0].getBytes(StandardCharsets.US_ASCII)).equals(caBundle());
        });
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> post(ca[0], AdmissionRequests.review("CREATE", ingress("probe", "p.example.com", "/", "s")))
                        .status() == 200);
        return ca[0];
    }

    private RawHttp.Response post(String ca, String body) throws Exception {
        return WebhookClient.post(port, SERVICE_NAME, ca, body);
    }

    private JsonNode verdict(String ca, String body) throws Exception {
        RawHttp.Response answer = post(ca, body);
        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        assertThat(answer.header("Content-Type")).startsWith("application/json");
        return new ObjectMapper().readTree(answer.body()).path("response");
    }

    @Test
    void theLeadersCertificateIsServedAndReviewsGetTheirVerdicts() throws Exception {
        String ca = awaitServedCa(null);
        Secret secret = secret();
        assertThat(secret.getType()).isEqualTo("kubernetes.io/tls");
        assertThat(secret.getData()).containsKeys("tls.crt", "tls.key", "ca.crt");

        JsonNode allowed = verdict(ca, AdmissionRequests.review("CREATE", "uid-1", ingress("web", "web.example.com",
                "/", "web")));
        assertThat(allowed.path("uid").asText()).isEqualTo("uid-1");
        assertThat(allowed.path("allowed").asBoolean()).isTrue();

        Ingress snippet = ingress("snippet", "web.example.com", "/", "web");
        snippet.getMetadata().setAnnotations(Map.of("nginx.ingress.kubernetes.io/server-snippet", "return 200;"));
        JsonNode denied = verdict(ca, AdmissionRequests.review("CREATE", snippet));
        assertThat(denied.path("allowed").asBoolean()).isFalse();
        assertThat(denied.path("status").path("message").asText())
                .startsWith("Ingress default/snippet is refused by Caravan: nginx.ingress.kubernetes.io/server-snippet");

        // the routing table in force knows shop's path once the cluster is compiled
        JsonNode conflict = verdict(ca, AdmissionRequests.review("CREATE", ingress("copy", "shop.example.com", "/cart",
                "other")));
        assertThat(conflict.path("allowed").asBoolean()).isTrue();
        assertThat(conflict.path("warnings").get(0).asText()).contains("already served by Ingress default/shop");

        RawHttp.Response malformed = post(ca, "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.text()).contains("no request with a uid");
        RawHttp.Response tooLarge = WebhookClient.post(port, SERVICE_NAME, ca, new byte[WebhookServer.MAX_BODY + 1]);
        assertThat(tooLarge.status()).isEqualTo(413);

        // the name is checked: the same certificate is no good for another Service
        assertThatThrownBy(() -> WebhookClient.connect(port, "caravan-admission.elsewhere.svc", ca))
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void aReplacedSecretIsServedAndADeletedOneIsMadeAgain() throws Exception {
        String first = awaitServedCa(null);

        // rotated by someone else: every replica serves it, and the leader puts its CA in the caBundle
        WebhookKeyMaterial rotated = WebhookCertificateAuthority.issue(List.of(SERVICE_NAME,
                "caravan-admission.caravan.svc.cluster.local", "caravan-admission.caravan", "caravan-admission"),
                Instant.now());
        client.resource(rotated.toSecret(NAMESPACE, "caravan-admission")).update();
        assertThat(awaitServedCa(first)).isEqualTo(rotated.caPem());
        assertThatThrownBy(() -> WebhookClient.connect(port, SERVICE_NAME, first))
                .as("the old CA is trusted no more").isInstanceOf(SSLHandshakeException.class);

        // deleted: the leader makes a new one
        client.secrets().inNamespace(NAMESPACE).withName("caravan-admission").delete();
        String remade = awaitServedCa(rotated.caPem());
        assertThat(remade).isNotEqualTo(first);
        assertThat(verdict(remade, AdmissionRequests.review("CREATE", ingress("web", "web.example.com", "/", "web")))
                .path("allowed").asBoolean()).isTrue();
    }
}

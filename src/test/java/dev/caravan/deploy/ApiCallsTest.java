package dev.caravan.deploy;

import static dev.caravan.testing.ClusterObjects.ingress;
import static dev.caravan.testing.ClusterObjects.ingressClass;
import static dev.caravan.testing.ClusterObjects.readyPod;
import static dev.caravan.testing.ClusterObjects.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.caravan.cli.CaravanOptions;
import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.MockApiServer;
import dev.caravan.testing.FreePorts;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link ApiCalls} against the requests a running Caravan sends to the (mock) API server, with every duty
 * it can take on: leader, with a NodePort --publish-service, emptying status on shutdown, serving the admission
 * webhook, preferring its zone's pods.
 */
class ApiCallsTest {

    /** The one request the test itself sends after Caravan started: no call of Caravan's (it deletes nothing). */
    private static final String TEST_DELETE = "DELETE /api/v1/namespaces/caravan/secrets/caravan-admission";

    @Test
    void everyRequestCaravanSendsIsAListedCallAndEveryListedCallIsMade() throws Exception {
        try (MockApiServer server = MockApiServer.started()) {
            KubernetesClient client = server.client();
            client.resource(ingressClass()).create();
            client.resource(service("svc")).create();
            client.resource(ingress("web", "web.example.com", "/", "svc")).create();
            client.resource(new ServiceBuilder().withNewMetadata().withName("caravan").withNamespace("caravan")
                    .endMetadata().withNewSpec().withType("NodePort").addNewPort().withPort(80).withNodePort(30080)
                    .endPort().endSpec().build()).create();
            client.resource(new NodeBuilder().withNewMetadata().withName("node-1")
                    .addToLabels("topology.kubernetes.io/zone", "zone-a").endMetadata().withNewStatus()
                    .addNewAddress().withType("InternalIP").withAddress("192.0.2.20").endAddress().endStatus()
                    .build()).create();
            client.resource(new PodBuilder(readyPod("caravan", "caravan-0")).withNewSpec().withNodeName("node-1")
                    .endSpec().build()).create();
            // the webhook's: a configuration whose caBundle the leader sets, and a Secret it must replace
            client.resource(new ValidatingWebhookConfigurationBuilder().withNewMetadata().withName("caravan-admission")
                    .endMetadata().addNewWebhook().withName("validate.ingress.caravan.dev").withNewClientConfig()
                    .withNewService().withNamespace("caravan").withName("caravan-admission").endService()
                    .endClientConfig().endWebhook().build()).create();
            client.resource(new SecretBuilder().withNewMetadata().withName("caravan-admission").withNamespace("caravan")
                    .endMetadata().withType("kubernetes.io/tls").addToData("tls.crt", "bm90IGEgY2VydGlmaWNhdGU=")
                    .build()).create();
            int before = server.requests().size();

            CaravanHarness caravan = CaravanHarness.startInCluster("--apiserver-host", server.url(),
                    "--pod-name", "caravan-0", "--pod-namespace", "caravan", "--election-lease-duration", "2",
                    "--publish-service", "caravan/caravan", "--update-status-on-shutdown",
                    "--webhook-port", String.valueOf(FreePorts.next()), "--enable-topology-aware-routing");
            CaravanOptions options = caravan.caravan().options();
            try {
                // the leader's writes, and a renewal of its Lease
                await().atMost(Duration.ofSeconds(20)).until(() -> made(server, before).containsAll(List.of(
                        ApiCall.ofRequest("PATCH", "/apis/networking.k8s.io/v1/namespaces/default/ingresses/web/status"),
                        ApiCall.ofRequest("POST", "/apis/events.k8s.io/v1/namespaces/default/events"),
                        ApiCall.ofRequest("PUT", "/apis/coordination.k8s.io/v1/namespaces/caravan/leases/"
                                + options.electionId() + "-caravan"),
                        ApiCall.ofRequest("PUT", "/api/v1/namespaces/caravan/secrets/caravan-admission"),
                        ApiCall.ofRequest("PATCH", "/apis/admissionregistration.k8s.io/v1/"
                                + "validatingwebhookconfigurations/caravan-admission"))));
                // the Secret gone, the leader makes it anew
                client.secrets().inNamespace("caravan").withName("caravan-admission").delete();
                await().atMost(Duration.ofSeconds(20)).until(() -> made(server, before).contains(
                        ApiCall.ofRequest("POST", "/api/v1/namespaces/caravan/secrets")));
            } finally {
                caravan.close();
            }

            List<String> requests = new ArrayList<>(server.requests().subList(before, server.requests().size()));
            requests.remove(TEST_DELETE);
            assertThat(requests).as("requests for no resource need nonResourceURLs rules")
                    .allSatisfy(request -> assertThat(call(request)).as(request).isNotNull());
            List<ApiCall> made = made(server, before);
            List<ApiCall> listed = ApiCalls.made(options, ApiCalls.duties(options, "NodePort"));
            assertThat(made).as("calls Caravan made that ApiCalls does not list")
                    .allSatisfy(call -> assertThat(listed).as(call.toString()).anyMatch(l -> l.covers(call)));
            assertThat(listed).as("calls ApiCalls lists that Caravan did not make")
                    .allSatisfy(l -> assertThat(made).as(l.toString()).anyMatch(l::covers));
        }
    }

    /** The distinct calls among the requests received since the first {@code before}. */
    private static List<ApiCall> made(MockApiServer server, int before) {
        List<String> requests = new ArrayList<>(server.requests());
        requests.subList(0, before).clear();
        requests.remove(TEST_DELETE);
        Set<ApiCall> calls = new LinkedHashSet<>();
        for (String request : requests) {
            calls.add(call(request));
        }
        return new ArrayList<>(calls);
    }

    private static ApiCall call(String request) {
        int space = request.indexOf(' ');
        return ApiCall.ofRequest(request.substring(0, space), request.substring(space + 1));
    }
}

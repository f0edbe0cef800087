package dev.caravan.source.kubernetes;

import static dev.caravan.testing.ClusterObjects.ingress;
import static dev.caravan.testing.ClusterObjects.ingressClass;
import static dev.caravan.testing.ClusterObjects.service;
import static dev.caravan.testing.ClusterObjects.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.MockApiServer;
import dev.caravan.testing.TestBackend;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** --watch-namespace-selector against the mock API server: the Ingresses of the namespaces it selects, and no others. */
class NamespaceSelectorTest {

    @Test
    void onlyTheSelectedNamespacesIngressesAreServedAndALabelChangeIsFollowed() throws Exception {
        try (MockApiServer server = MockApiServer.started(); TestBackend pod = TestBackend.start("127.0.0.2", "pod")) {
            KubernetesClient client = server.client();
            client.resource(ingressClass()).create();
            client.resource(namespace("team-a", Map.of("team", "a"))).create();
            client.resource(namespace("team-b", Map.of("team", "b"))).create();
            for (String namespace : new String[] {"team-a", "team-b"}) {
                client.resource(inNamespace(service("svc"), namespace)).create();
                client.resource(inNamespace(slice("svc-1", "svc", pod), namespace)).create();
                client.resource(inNamespace(ingress("web", namespace + ".example.com", "/", "svc"), namespace)).create();
            }
            // the mock API server lists every namespace for an "in" selector: Caravan checks the labels itself too
            try (CaravanHarness caravan = CaravanHarness.startInCluster("--apiserver-host",
                    client.getMasterUrl().toString(), "--watch-namespace-selector", "team in (a, c)")) {
                assertThat(caravan.get("team-a.example.com", "/").text()).isEqualTo("pod");
                assertThat(caravan.get("team-b.example.com", "/").status()).isEqualTo(404);

                // team-b joins the selection: its Ingress is served, without a restart
                client.resource(namespace("team-b", Map.of("team", "c"))).update();
                caravan.awaitResponse("team-b.example.com", "/", response -> response.status() == 200);
                assertThat(caravan.get("team-a.example.com", "/").status()).isEqualTo(200);

                // and leaves it
                client.resource(namespace("team-b", Map.of("team", "b"))).update();
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> caravan.get("team-b.example.com", "/").status() == 404);
            }
        }
    }

    private static Namespace namespace(String name, Map<String, String> labels) {
        return new NamespaceBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata().build();
    }

    private static <T extends HasMetadata> T inNamespace(T object, String namespace) {
        object.getMetadata().setNamespace(namespace);
        return object;
    }
}

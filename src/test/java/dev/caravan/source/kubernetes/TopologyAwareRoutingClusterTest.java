package dev.caravan.source.kubernetes;

import static dev.caravan.testing.ClusterObjects.ingress;
import static dev.caravan.testing.ClusterObjects.ingressClass;
import static dev.caravan.testing.ClusterObjects.readyPod;
import static dev.caravan.testing.ClusterObjects.service;
import static dev.caravan.testing.ClusterObjects.slice;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.FreePorts;
import dev.caravan.testing.MockApiServer;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointHints;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.ForZone;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * --enable-topology-aware-routing against the mock API server: the replica finds its zone through its Pod and Node,
 * and sends to the pods hinted for that zone; without a zone it sends to all.
 */
class TopologyAwareRoutingClusterTest {

    @Test
    void requestsGoToThePodsHintedForTheReplicasZone() throws Exception {
        int port = FreePorts.next();
        try (MockApiServer server = MockApiServer.started();
                TestBackend near = TestBackend.start("127.0.0.2", "near", port);
                TestBackend far = TestBackend.start("127.0.0.3", "far", port)) {
            KubernetesClient client = server.client();
            cluster(client, near, far, "zone-a");
            try (CaravanHarness caravan = CaravanHarness.startInCluster("--apiserver-host", server.url(),
                    "--pod-namespace", "caravan", "--pod-name", "caravan-0", "--enable-topology-aware-routing")) {
                assertThat(answers(caravan)).containsExactly("near");
            }
            // the same cluster without the flag: both pods
            try (CaravanHarness caravan = CaravanHarness.startInCluster("--apiserver-host", server.url(),
                    "--pod-namespace", "caravan", "--pod-name", "caravan-0")) {
                assertThat(answers(caravan)).containsExactlyInAnyOrder("near", "far");
            }
        }
    }

    @Test
    void aNodeWithoutAZoneLabelMeansEveryPod() throws Exception {
        int port = FreePorts.next();
        try (MockApiServer server = MockApiServer.started();
                TestBackend near = TestBackend.start("127.0.0.2", "near", port);
                TestBackend far = TestBackend.start("127.0.0.3", "far", port)) {
            cluster(server.client(), near, far, null);
            try (CaravanHarness caravan = CaravanHarness.startInCluster("--apiserver-host", server.url(),
                    "--pod-namespace", "caravan", "--pod-name", "caravan-0", "--enable-topology-aware-routing")) {
                assertThat(answers(caravan)).containsExactlyInAnyOrder("near", "far");
            }
        }
    }

    /** Caravan's pod on node-1 (in {@code zone}, if any), and Service web asking for hints: near in zone-a, far in zone-b. */
    private static void cluster(KubernetesClient client, TestBackend near, TestBackend far, String zone) {
        client.resource(ingressClass()).create();
        NodeBuilder node = new NodeBuilder().withNewMetadata().withName("node-1").endMetadata();
        if (zone != null) {
            node.editMetadata().addToLabels(ControllerZone.ZONE_LABEL, zone).endMetadata();
        }
        client.resource(node.build()).create();
        Pod pod = readyPod("caravan", "caravan-0");
        pod.setSpec(new PodSpecBuilder().withNodeName("node-1").build());
        client.resource(pod).create();
        Service web = service("web");
        web.getMetadata().setAnnotations(Map.of("service.kubernetes.io/topology-mode", "Auto"));
        client.resource(web).create();
        EndpointSlice slice = slice("web-1", "web", near, far);
        slice.getEndpoints().get(0).setHints(new EndpointHints(List.of(),
                List.of(new ForZone("zone-a"))));
        slice.getEndpoints().get(1).setHints(new EndpointHints(List.of(),
                List.of(new ForZone("zone-b"))));
        client.resource(slice).create();
        client.resource(ingress("web", "web.example.com", "/", "web")).create();
    }

    /** The pods that answered ten requests. */
    private static Set<String> answers(CaravanHarness caravan) throws Exception {
        Set<String> answered = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            RawHttp.Response response = caravan.get("web.example.com", "/");
            assertThat(response.status()).isEqualTo(200);
            answered.add(response.text());
        }
        return answered;
    }
}

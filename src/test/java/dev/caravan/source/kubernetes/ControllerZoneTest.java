package dev.caravan.source.kubernetes;

import static dev.caravan.testing.ClusterObjects.readyPod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.caravan.state.ClusterStateStore;
import dev.caravan.testing.LogCapture;
import dev.caravan.testing.MockApiServer;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The replica's zone against the mock API server: found through its Pod and Node, and looked for until it is. */
class ControllerZoneTest {

    @Test
    void aZoneNotKnownAtFirstIsFollowedOnceItIsAndEachReasonIsToldOnce() throws Exception {
        try (MockApiServer server = MockApiServer.started(); LogCapture log = new LogCapture(ControllerZone.class)) {
            KubernetesClient client = server.client();
            ClusterStateStore store = new ClusterStateStore();
            try (ControllerZone zone = new ControllerZone(client, "caravan", "caravan-0", store, Duration.ofMillis(100))) {
                zone.start();
                await().atMost(Duration.ofSeconds(5)).until(() -> zone.firstLook() >= 0);
                assertThat(store.current().zone()).isNull();

                // the pod scheduled on a node that has no zone yet
                Node node = new NodeBuilder().withNewMetadata().withName("node-1").endMetadata().build();
                client.resource(node).create();
                client.resource(new PodBuilder(readyPod("caravan", "caravan-0")).withNewSpec().withNodeName("node-1")
                        .endSpec().build()).create();
                await().atMost(Duration.ofSeconds(5)).until(() -> log.lines().stream()
                        .anyMatch(line -> line.contains("node node-1 has no topology.kubernetes.io/zone label")));
                // the node alone is enough for PreferSameNode
                assertThat(store.current().node()).isEqualTo("node-1");
                assertThat(store.current().zone()).isNull();
                Thread.sleep(500);
                // the node labelled: found
                node.getMetadata().getLabels().put(ControllerZone.ZONE_LABEL, "zone-a");
                client.resource(node).update();
                await().atMost(Duration.ofSeconds(5)).until(() -> "zone-a".equals(store.current().zone()));
                assertThat(log.lines()).filteredOn(line -> line.contains("prefers no zone yet"))
                        .as("each reason once, though looked for every 100 ms").hasSize(2);
                assertThat(log.lines()).anyMatch(line -> line.contains("this replica is in zone zone-a (node node-1)"));
            }
        }
    }
}

package dev.caravan.source.kubernetes;

import static dev.caravan.testing.ClusterObjects.ingress;
import static dev.caravan.testing.ClusterObjects.ingressClass;
import static dev.caravan.testing.ClusterObjects.readyPod;
import static dev.caravan.testing.ClusterObjects.service;
import static dev.caravan.testing.ClusterObjects.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.MockApiServer;
import dev.caravan.testing.TestBackend;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What only the leader does, against the CRUD mock API server: Ingress status and Kubernetes Events. */
class LeaderDutiesTest {

    MockApiServer server;
    KubernetesClient client;
    TestBackend pod;
    final List<CaravanHarness> replicas = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = MockApiServer.started();
        client = server.client();
        pod = TestBackend.start("127.0.0.2", "pod");
        client.resource(ingressClass()).create();
        client.resource(service("svc")).create();
        client.resource(slice("svc-1", "svc", pod)).create();
    }

    @AfterEach
    void stop() throws Exception {
        for (CaravanHarness replica : replicas) {
            replica.close();
        }
        server.close();
        pod.close();
    }

    private CaravanHarness replica(String podName, String... extra) throws Exception {
        client.resource(readyPod("caravan", podName)).create();
        List<String> args = new ArrayList<>(List.of("--apiserver-host", client.getMasterUrl().toString(),
                "--pod-name", podName, "--pod-namespace", "caravan", "--election-lease-duration", "2",
                "--publish-status-address", "192.0.2.10,lb.example.com"));
        args.addAll(List.of(extra));
        CaravanHarness replica = CaravanHarness.startInCluster(args.toArray(String[]::new));
        replicas.add(replica);
        return replica;
    }

    private List<String> statusOf(String ingress) {
        Ingress current = client.network().v1().ingresses().inNamespace("default").withName(ingress).get();
        if (current == null || current.getStatus() == null || current.getStatus().getLoadBalancer() == null
                || current.getStatus().getLoadBalancer().getIngress() == null) {
            return List.of();
        }
        return current.getStatus().getLoadBalancer().getIngress().stream()
                .map(i -> i.getIp() != null ? i.getIp() : i.getHostname()).toList();
    }

    @Test
    void exactlyOneReplicaWritesStatusAndAnotherTakesOverWhenItStops() throws Exception {
        client.resource(ingress("web", "web.example.com", "/", "svc")).create();
        Ingress foreign = ingress("foreign", "foreign.example.com", "/", "svc");
        foreign.getSpec().setIngressClassName("nginx");
        client.resource(foreign).create();
        CaravanHarness first = replica("caravan-0");
        CaravanHarness second = replica("caravan-1");

        await().atMost(Duration.ofSeconds(15)).until(() -> first.caravan().leader() || second.caravan().leader());
        await().atMost(Duration.ofSeconds(10)).until(() -> statusOf("web").containsAll(List.of("192.0.2.10", "lb.example.com")));
        for (int i = 0; i < 10; i++) {
            assertThat(first.caravan().leader() ^ second.caravan().leader()).as("exactly one leader").isTrue();
            Thread.sleep(100);
        }
        assertThat(statusOf("foreign")).as("another class's Ingress is never touched").isEmpty();
        // both replicas serve traffic, leader or not
        assertThat(first.get("web.example.com", "/").text()).isEqualTo("pod");
        assertThat(second.get("web.example.com", "/").text()).isEqualTo("pod");

        CaravanHarness leader = first.caravan().leader() ? first : second;
        CaravanHarness follower = leader == first ? second : first;
        String leaderPod = leader.caravan().options().podName();
        leader.close();
        replicas.remove(leader);
        client.pods().inNamespace("caravan").withName(leaderPod).delete();

        await().atMost(Duration.ofSeconds(15)).until(() -> follower.caravan().leader());
        client.resource(ingress("web2", "web2.example.com", "/", "svc")).create();
        await().atMost(Duration.ofSeconds(10)).until(() -> statusOf("web2").containsAll(List.of("192.0.2.10", "lb.example.com")));
    }

    @Test
    void withUpdateStatusFalseTheLeaderWritesNoStatus() throws Exception {
        client.resource(ingress("web", "web.example.com", "/", "svc")).create();
        CaravanHarness only = replica("caravan-0", "--update-status=false");
        await().atMost(Duration.ofSeconds(15)).until(() -> only.caravan().leader());
        assertThat(only.get("web.example.com", "/").text()).isEqualTo("pod");
        // the status route writes every 2 s where it runs
        Thread.sleep(3000);
        assertThat(statusOf("web")).isEmpty();
    }

    @Test
    void theLeaderEmptiesStatusOnShutdownWhenAsked() throws Exception {
        client.resource(ingress("web", "web.example.com", "/", "svc")).create();
        CaravanHarness only = replica("caravan-0", "--update-status-on-shutdown");
        await().atMost(Duration.ofSeconds(15)).until(() -> statusOf("web").contains("192.0.2.10"));
        only.close();
        replicas.remove(only);
        assertThat(statusOf("web")).isEmpty();
    }

    @Test
    void theLeaderRecordsEventsForEachWarningReasonAndForAcceptedIngresses() throws Exception {
        CaravanHarness only = replica("caravan-0");
        await().atMost(Duration.ofSeconds(15)).until(() -> only.caravan().leader());

        // the API server stamps creationTimestamp (to the second): the older one is created first
        client.resource(ingress("older", "shared.example.com", "/", "svc")).create();
        Thread.sleep(1100);
        client.resource(service("other")).create();
        client.resource(ingress("newer", "shared.example.com", "/", "other")).create();
        client.resource(ingress("ghost", "ghost.example.com", "/", "no-such-service")).create();
        Ingress badPort = ingress("bad-port", "bad.example.com", "/", "svc");
        badPort.getSpec().getRules().get(0).getHttp().getPaths().get(0).getBackend().getService().getPort()
                .setName("grpc");
        client.resource(badPort).create();
        Ingress invalid = ingress("invalid", "invalid.example.com", "relative", "svc");
        client.resource(invalid).create();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(events())
                .contains("older Normal Sync", "newer Warning Conflict", "ghost Warning BackendNotFound",
                        "bad-port Warning PortNotFound", "invalid Warning InvalidIngress"));
        Event conflict = client.events().v1().events().inNamespace("default").list().getItems().stream()
                .filter(e -> "Conflict".equals(e.getReason())).findFirst().orElseThrow();
        assertThat(conflict.getNote()).contains("already served by Ingress default/older");
        assertThat(conflict.getReportingController()).isEqualTo("caravan.dev/ingress-controller");
        assertThat(conflict.getReportingInstance()).isEqualTo("caravan-0");
        assertThat(conflict.getRegarding().getKind()).isEqualTo("Ingress");

        // a problem is reported once, not on every compilation
        long before = events().stream().filter(e -> e.startsWith("ghost ")).count();
        client.resource(ingress("unrelated", "u.example.com", "/", "svc")).create();
        await().atMost(Duration.ofSeconds(5)).until(() -> events().contains("unrelated Normal Sync"));
        assertThat(events().stream().filter(e -> e.startsWith("ghost ")).count()).isEqualTo(before);
    }

    private List<String> events() {
        return client.events().v1().events().inNamespace("default").list().getItems().stream()
                .flatMap(e -> Stream.of(e.getRegarding().getName() + " " + e.getType() + " " + e.getReason()))
                .toList();
    }
}

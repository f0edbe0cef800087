package dev.caravan.compile;

import static dev.caravan.compile.Fixtures.ingress;
import static dev.caravan.compile.Fixtures.port;
import static dev.caravan.compile.Fixtures.prefix;
import static dev.caravan.compile.Fixtures.ready;
import static dev.caravan.compile.Fixtures.service;
import static dev.caravan.compile.Fixtures.slice;
import static dev.caravan.compile.Fixtures.slicePort;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.state.Change;
import dev.caravan.state.ClusterState;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditionsBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.ForNode;
import io.fabric8.kubernetes.api.model.discovery.v1.ForZone;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** --enable-topology-aware-routing: which endpoints a replica in zone {@code a} sends to. */
class TopologyAwareRoutingTest {

    private static final String HOST = "example.com";
    private static final List<EndpointPort> PORTS = List.of(slicePort("", 8080));

    static Stream<CompilerCase> cases() {
        return Stream.of(
                CompilerCase.named("topology-mode auto: the endpoints hinted for this zone")
                        .zone("a")
                        .given(annotated("auto"),
                                slice("default/web-1", "web", PORTS, hinted("10.0.0.1", "a"), hinted("10.0.0.2", "b"),
                                        hinted("10.0.0.3", "a", "b")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080", "10.0.0.3:8080"),
                CompilerCase.named("the mode is read whatever its case, and under its older annotation")
                        .zone("a")
                        .given(withAnnotation(ZoneHints.TOPOLOGY_AWARE_HINTS, "Auto"),
                                slice("default/web-1", "web", PORTS, hinted("10.0.0.1", "a"), hinted("10.0.0.2", "b")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080"),
                CompilerCase.named("trafficDistribution PreferClose asks for it too, across the Service's slices")
                        .zone("a")
                        .given(distributed("PreferClose"),
                                slice("default/web-1", "web", PORTS, hinted("10.0.0.1", "b")),
                                slice("default/web-2", "web", PORTS, hinted("10.0.0.2", "a")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.2:8080"),
                CompilerCase.named("a Service that does not ask: every endpoint")
                        .zone("a")
                        .given(service("default/web", port(null, 80, 8080)),
                                slice("default/web-1", "web", PORTS, hinted("10.0.0.1", "a"), hinted("10.0.0.2", "b")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080", "10.0.0.2:8080"),
                CompilerCase.named("topology-mode other than auto: every endpoint")
                        .zone("a")
                        .given(annotated("disabled"),
                                slice("default/web-1", "web", PORTS, hinted("10.0.0.1", "a"), hinted("10.0.0.2", "b")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080", "10.0.0.2:8080"),
                CompilerCase.named("a ready endpoint without hints: every endpoint, as kube-proxy")
                        .zone("a")
                        .given(annotated("auto"),
                                slice("default/web-1", "web", PORTS, hinted("10.0.0.1", "a"), ready("10.0.0.2")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080", "10.0.0.2:8080"),
                CompilerCase.named("an unready endpoint without hints does not count")
                        .zone("a")
                        .given(annotated("auto"),
                                slice("default/web-1", "web", PORTS, hinted("10.0.0.1", "a"), hinted("10.0.0.2", "b"),
                                        new EndpointBuilder().withAddresses("10.0.0.3").withConditions(
                                                new EndpointConditionsBuilder().withReady(false).build()).build()),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080"),
                CompilerCase.named("no endpoint hinted for this zone: every endpoint rather than none")
                        .zone("a")
                        .given(annotated("auto"),
                                slice("default/web-1", "web", PORTS, hinted("10.0.0.1", "b"), hinted("10.0.0.2", "c")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080", "10.0.0.2:8080"),
                CompilerCase.named("PreferSameNode: the endpoints hinted for this node")
                        .node("n1").zone("a")
                        .given(distributed("PreferSameNode"),
                                slice("default/web-1", "web", PORTS, onNode("10.0.0.1", "n1", "a"),
                                        onNode("10.0.0.2", "n2", "a"), onNode("10.0.0.3", "n3", "b")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080"),
                CompilerCase.named("PreferSameNode with no endpoint on this node: the zone's, as kube-proxy")
                        .node("n9").zone("a")
                        .given(distributed("PreferSameNode"),
                                slice("default/web-1", "web", PORTS, onNode("10.0.0.1", "n1", "a"),
                                        onNode("10.0.0.2", "n2", "a"), onNode("10.0.0.3", "n3", "b")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080", "10.0.0.2:8080"),
                CompilerCase.named("node hints missing on one ready endpoint: not followed, the zone's are")
                        .node("n1").zone("a")
                        .given(distributed("PreferSameNode"),
                                slice("default/web-1", "web", PORTS, onNode("10.0.0.1", "n1", "a"),
                                        hinted("10.0.0.2", "a"), onNode("10.0.0.3", "n3", "b")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080", "10.0.0.2:8080"),
                CompilerCase.named("the node known without a zone: its endpoints, else every endpoint")
                        .node("n3")
                        .given(distributed("PreferSameNode"),
                                slice("default/web-1", "web", PORTS, onNode("10.0.0.1", "n1", "a"),
                                        onNode("10.0.0.3", "n3", "b")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.3:8080"),
                CompilerCase.named("no zone known (yet): every endpoint")
                        .given(annotated("auto"),
                                slice("default/web-1", "web", PORTS, hinted("10.0.0.1", "a"), hinted("10.0.0.2", "b")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080", "10.0.0.2:8080"));
    }

    @Test
    void theZoneFoundAndAServiceStartingToAskAreFollowedIncrementally() {
        ClusterState state = Fixtures.state(Fixtures.caravanClass(), service("default/web", port(null, 80, 8080)),
                slice("default/web-1", "web", PORTS, hinted("10.0.0.1", "a"), hinted("10.0.0.2", "b")),
                ingress("default/i").anyHost(prefix("/", "web:80")));
        IngressCompiler compiler = new IngressCompiler(Fixtures.settings());
        Compilation first = compiler.compile(state, Compilation.EMPTY);
        assertThat(endpoints(first)).containsExactly("10.0.0.1", "10.0.0.2");

        // the zone found: the Service does not ask yet
        ClusterState zoned = state.withZone("a");
        Compilation second = compiler.compile(zoned, first);
        assertThat(endpoints(second)).containsExactly("10.0.0.1", "10.0.0.2");

        // it asks: only its Service's backend is resolved again, with the hints followed
        ClusterState asking = zoned.with(List.of(Change.upsert(annotated("auto"))));
        Compilation third = compiler.compile(asking, second);
        assertThat(endpoints(third)).containsExactly("10.0.0.1");

        // another zone: every backend again
        assertThat(endpoints(compiler.compile(asking.withZone("b"), third))).containsExactly("10.0.0.2");
    }

    private static List<String> endpoints(Compilation compilation) {
        return compilation.table().resolve(HOST, "/").backend().endpoints().stream()
                .map(address -> address.getAddress().getHostAddress()).toList();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void endpoints(CompilerCase c) {
        c.run();
    }

    private static Service annotated(String mode) {
        return withAnnotation(ZoneHints.TOPOLOGY_MODE, mode);
    }

    private static Service withAnnotation(String name, String value) {
        Service service = service("default/web", port(null, 80, 8080));
        service.getMetadata().setAnnotations(java.util.Map.of(name, value));
        return service;
    }

    private static Service distributed(String distribution) {
        Service service = service("default/web", port(null, 80, 8080));
        service.getSpec().setTrafficDistribution(distribution);
        return service;
    }

    /** As the EndpointSlice controller hints for PreferSameNode: the endpoint's node, and its zone as well. */
    private static Endpoint onNode(String ip, String node, String zone) {
        return new EndpointBuilder().withAddresses(ip)
                .withConditions(new EndpointConditionsBuilder().withReady(true).build())
                .withNewHints().withForNodes(new ForNode(node)).withForZones(new ForZone(zone)).endHints().build();
    }

    private static Endpoint hinted(String ip, String... zones) {
        return new EndpointBuilder().withAddresses(ip)
                .withConditions(new EndpointConditionsBuilder().withReady(true).build())
                .withNewHints().withForZones(Arrays.stream(zones).map(ForZone::new).toList()).endHints().build();
    }
}

package dev.caravan.compile;

import static dev.caravan.compile.Fixtures.ingress;
import static dev.caravan.compile.Fixtures.port;
import static dev.caravan.compile.Fixtures.prefix;
import static dev.caravan.compile.Fixtures.ready;
import static dev.caravan.compile.Fixtures.service;
import static dev.caravan.compile.Fixtures.slice;
import static dev.caravan.compile.Fixtures.slicePort;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditionsBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.ForZone;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** --enable-topology-aware-routing: which endpoints a replica in zone {@code a} sends to. */
class TopologyAwareRoutingTest {

    private static final String HOST = "example.com";
    private static final List<EndpointPort> PORTS = List.of(slicePort("", 8080));
    private static final ControllerSettings IN_ZONE_A = Fixtures.settings().withZone("a");

    static Stream<CompilerCase> cases() {
        return Stream.of(
                CompilerCase.named("topology-mode auto: the endpoints hinted for this zone")
                        .settings(IN_ZONE_A)
                        .given(annotated("auto"),
                                slice("default/web-1", "web", PORTS, hinted("10.0.0.1", "a"), hinted("10.0.0.2", "b"),
                                        hinted("10.0.0.3", "a", "b")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080", "10.0.0.3:8080"),
                CompilerCase.named("the mode is read whatever its case, and under its older annotation")
                        .settings(IN_ZONE_A)
                        .given(withAnnotation(ZoneHints.TOPOLOGY_AWARE_HINTS, "Auto"),
                                slice("default/web-1", "web", PORTS, hinted("10.0.0.1", "a"), hinted("10.0.0.2", "b")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080"),
                CompilerCase.named("trafficDistribution PreferClose asks for it too, across the Service's slices")
                        .settings(IN_ZONE_A)
                        .given(distributed("PreferClose"),
                                slice("default/web-1", "web", PORTS, hinted("10.0.0.1", "b")),
                                slice("default/web-2", "web", PORTS, hinted("10.0.0.2", "a")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.2:8080"),
                CompilerCase.named("a Service that does not ask: every endpoint")
                        .settings(IN_ZONE_A)
                        .given(service("default/web", port(null, 80, 8080)),
                                slice("default/web-1", "web", PORTS, hinted("10.0.0.1", "a"), hinted("10.0.0.2", "b")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080", "10.0.0.2:8080"),
                CompilerCase.named("topology-mode other than auto: every endpoint")
                        .settings(IN_ZONE_A)
                        .given(annotated("disabled"),
                                slice("default/web-1", "web", PORTS, hinted("10.0.0.1", "a"), hinted("10.0.0.2", "b")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080", "10.0.0.2:8080"),
                CompilerCase.named("a ready endpoint without hints: every endpoint, as kube-proxy")
                        .settings(IN_ZONE_A)
                        .given(annotated("auto"),
                                slice("default/web-1", "web", PORTS, hinted("10.0.0.1", "a"), ready("10.0.0.2")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080", "10.0.0.2:8080"),
                CompilerCase.named("an unready endpoint without hints does not count")
                        .settings(IN_ZONE_A)
                        .given(annotated("auto"),
                                slice("default/web-1", "web", PORTS, hinted("10.0.0.1", "a"), hinted("10.0.0.2", "b"),
                                        new EndpointBuilder().withAddresses("10.0.0.3").withConditions(
                                                new EndpointConditionsBuilder().withReady(false).build()).build()),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080"),
                CompilerCase.named("no endpoint hinted for this zone: every endpoint rather than none")
                        .settings(IN_ZONE_A)
                        .given(annotated("auto"),
                                slice("default/web-1", "web", PORTS, hinted("10.0.0.1", "b"), hinted("10.0.0.2", "c")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080", "10.0.0.2:8080"),
                CompilerCase.named("without the flag (no zone): every endpoint")
                        .given(annotated("auto"),
                                slice("default/web-1", "web", PORTS, hinted("10.0.0.1", "a"), hinted("10.0.0.2", "b")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080", "10.0.0.2:8080"),
                CompilerCase.named("a Service that starts asking is compiled again")
                        .settings(IN_ZONE_A)
                        .previously(service("default/web", port(null, 80, 8080)),
                                slice("default/web-1", "web", PORTS, hinted("10.0.0.1", "a"), hinted("10.0.0.2", "b")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .given(annotated("auto"),
                                slice("default/web-1", "web", PORTS, hinted("10.0.0.1", "a"), hinted("10.0.0.2", "b")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080"));
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

    private static Endpoint hinted(String ip, String... zones) {
        return new EndpointBuilder().withAddresses(ip)
                .withConditions(new EndpointConditionsBuilder().withReady(true).build())
                .withNewHints().withForZones(Arrays.stream(zones).map(ForZone::new).toList()).endHints().build();
    }
}

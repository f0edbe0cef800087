package dev.caravan.compile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.StreamServices;
import dev.caravan.state.ClusterState;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Service;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The ConfigMaps of --tcp-services-configmap and --udp-services-configmap, read into the table's stream services. */
class StreamServicesReaderTest {

    private static final ControllerSettings BOTH = Fixtures.settings()
            .withStreamServices(ObjectRef.parse("ingress/tcp"), ObjectRef.parse("ingress/udp"));

    @Test
    void eachProtocolTakesTheServicePortOfItsOwnProtocol() {
        StreamServices streams = read(Fixtures.state(dns(), Fixtures.slice("kube-system/dns-0", "dns",
                List.of(Fixtures.slicePort("dns", 5353), Fixtures.slicePort("dns-tcp", 5354)),
                Fixtures.ready("10.0.0.9")),
                configMap("tcp", Map.of("53", "kube-system/dns:53")),
                configMap("udp", Map.of("53", "kube-system/dns:53", "5300", "kube-system/dns:dns"))));
        assertThat(streams.problems()).isEmpty();
        assertThat(streams.tcp().get(53).backend().endpoints()).containsExactlyElementsOf(
                Fixtures.addresses("10.0.0.9:5354"));
        assertThat(streams.udp().get(53).backend().endpoints()).containsExactlyElementsOf(
                Fixtures.addresses("10.0.0.9:5353"));
        assertThat(streams.udp().get(5300).backend().endpoints()).containsExactlyElementsOf(
                Fixtures.addresses("10.0.0.9:5353"));
    }

    @Test
    void whatUdpCannotUseIsToldAndTheOtherEntriesServed() {
        StreamServices streams = read(Fixtures.state(dns(),
                configMap("udp", Map.of("53", "kube-system/dns:53:PROXY", "54", "kube-system/dns:dns-tcp",
                        "55", "kube-system/dns:dns"))));
        assertThat(streams.tcp()).isEmpty();
        assertThat(streams.udp()).containsOnlyKeys(53, 55);
        assertThat(streams.udp().get(53).decodeProxy()).isFalse();
        assertThat(streams.problems()).containsExactlyInAnyOrder(
                "--udp-services-configmap: ConfigMap ingress/udp: 53: the PROXY protocol is TCP's: ignored",
                "--udp-services-configmap: ConfigMap ingress/udp: 53: service kube-system/dns has no ready endpoint for"
                        + " port 53: datagrams to port 53 are dropped until it has one",
                "--udp-services-configmap: ConfigMap ingress/udp: 54: service kube-system/dns's port dns-tcp is not UDP:"
                        + " that port is not served",
                "--udp-services-configmap: ConfigMap ingress/udp: 55: service kube-system/dns has no ready endpoint for"
                        + " port dns: datagrams to port 55 are dropped until it has one",
                "--tcp-services-configmap: ConfigMap ingress/tcp not found: no TCP port is served");
    }

    private static StreamServices read(ClusterState state) {
        return new IngressCompiler(BOTH).compile(state, Compilation.EMPTY).table().streams();
    }

    /** kube-dns's ports: dns (UDP 53 → 5353) and dns-tcp (TCP 53 → 5354). */
    private static Service dns() {
        Service service = Fixtures.service("kube-system/dns", Fixtures.port("dns", 53, 5353),
                Fixtures.port("dns-tcp", 53, 5354));
        service.getSpec().getPorts().get(0).setProtocol("UDP");
        return service;
    }

    private static ConfigMap configMap(String name, Map<String, String> data) {
        return new ConfigMapBuilder().withNewMetadata().withNamespace("ingress").withName(name).endMetadata()
                .withData(data).build();
    }
}

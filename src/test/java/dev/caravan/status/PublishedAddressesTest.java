package dev.caravan.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressLoadBalancerIngress;
import java.util.List;
import org.junit.jupiter.api.Test;

class PublishedAddressesTest {

    private static List<String> names(List<IngressLoadBalancerIngress> addresses) {
        return addresses.stream().map(a -> a.getIp() != null ? "ip:" + a.getIp() : "host:" + a.getHostname()).toList();
    }

    private static Node node(String name, String internal, String external) {
        NodeBuilder node = new NodeBuilder().withNewMetadata().withName(name).endMetadata().withNewStatus()
                .addNewAddress().withType("InternalIP").withAddress(internal).endAddress().endStatus();
        if (external != null) {
            node.editStatus().addNewAddress().withType("ExternalIP").withAddress(external).endAddress().endStatus();
        }
        return node.build();
    }

    @Test
    void literalAddressesAreIpsOrHostnamesSortedAndDistinct() {
        assertThat(names(PublishedAddresses.of(List.of("192.0.2.2", "lb.example.com", "192.0.2.1", "192.0.2.2",
                "2001:db8::1")))).containsExactly("host:lb.example.com", "ip:192.0.2.1", "ip:192.0.2.2",
                        "ip:2001:db8::1");
    }

    @Test
    void aLoadBalancerServicePublishesItsLoadBalancerIngress() {
        Service service = new ServiceBuilder().withNewSpec().withType("LoadBalancer").endSpec().withNewStatus()
                .withNewLoadBalancer().addNewIngress().withIp("203.0.113.7").endIngress().addNewIngress()
                .withHostname("elb.example.com").endIngress().endLoadBalancer().endStatus().build();
        assertThat(names(PublishedAddresses.of(service, List.of())))
                .containsExactly("host:elb.example.com", "ip:203.0.113.7");
    }

    @Test
    void externalIpsComeNextAndNodePortFallsBackToNodeAddresses() {
        Service external = new ServiceBuilder().withNewSpec().withType("NodePort").withExternalIPs("198.51.100.9")
                .endSpec().build();
        assertThat(names(PublishedAddresses.of(external, List.of(node("n1", "10.0.0.1", null)))))
                .containsExactly("ip:198.51.100.9");

        Service nodePort = new ServiceBuilder().withNewSpec().withType("NodePort").endSpec().build();
        assertThat(names(PublishedAddresses.of(nodePort,
                List.of(node("n1", "10.0.0.1", "198.51.100.1"), node("n2", "10.0.0.2", null)))))
                .containsExactly("ip:10.0.0.2", "ip:198.51.100.1");
    }

    @Test
    void aClusterIpServiceWithoutExternalIpsPublishesNothing() {
        Service clusterIp = new ServiceBuilder().withNewSpec().withType("ClusterIP").endSpec().build();
        assertThat(PublishedAddresses.of(clusterIp, List.of(node("n1", "10.0.0.1", null)))).isEmpty();
        assertThat(PublishedAddresses.of((Service) null, List.of())).isEmpty();
    }
}

package dev.caravan.testing;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClassBuilder;

/** Kubernetes objects for tests against the mock API server, built with fabric8's builders. */
public final class ClusterObjects {

    private ClusterObjects() {
    }

    public static IngressClass ingressClass() {
        return new IngressClassBuilder().withNewMetadata().withName("caravan").endMetadata()
                .withNewSpec().withController("caravan.dev/ingress-controller").endSpec().build();
    }

    /** A Service in {@code default} with one port named {@code http} (80). */
    public static Service service(String name) {
        return new ServiceBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().addNewPort().withName("http").withPort(80).endPort().endSpec().build();
    }

    /** An EndpointSlice of a Service with the given backends as ready endpoints (all on one port). */
    public static EndpointSlice slice(String name, String service, TestBackend... backends) {
        EndpointSliceBuilder slice = new EndpointSliceBuilder().withNewMetadata().withName(name)
                .withNamespace("default").addToLabels("kubernetes.io/service-name", service).endMetadata()
                .withAddressType("IPv4").addNewPort().withName("http").withPort(backends[0].port()).endPort();
        for (TestBackend backend : backends) {
            slice.addNewEndpoint().withAddresses(backend.ip()).withNewConditions().withReady(true).endConditions()
                    .endEndpoint();
        }
        return slice.build();
    }

    /** An Ingress of class caravan in {@code default}: host, Prefix path → service:http. */
    public static Ingress ingress(String name, String host, String path, String service) {
        return new IngressBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withIngressClassName("caravan").addNewRule().withHost(host).withNewHttp()
                .addNewPath().withPath(path).withPathType("Prefix").withNewBackend().withNewService()
                .withName(service).withNewPort().withName("http").endPort().endService().endBackend().endPath()
                .endHttp().endRule().endSpec().build();
    }

    /** A running, ready Pod: what leader election counts as a member. */
    public static Pod readyPod(String namespace, String name) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewStatus().withPhase("Running").addNewCondition().withType("Ready").withStatus("True")
                .endCondition().endStatus().build();
    }
}

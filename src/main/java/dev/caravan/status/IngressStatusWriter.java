package dev.caravan.status;

import dev.caravan.compile.Compilation;
import dev.caravan.routing.ObjectRef;
import dev.caravan.state.ClusterState;
import dev.caravan.state.ResourceKind;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressLoadBalancerIngress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressLoadBalancerStatus;
import io.fabric8.kubernetes.api.model.networking.v1.IngressStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes {@code status.loadBalancer.ingress} of every Ingress of our class, and of no other; only
 * Ingresses whose status differs are written. Runs on the leader only (a {@code master:} route).
 */
public final class IngressStatusWriter {

    private static final Logger LOG = LoggerFactory.getLogger(IngressStatusWriter.class);

    private final KubernetesClient client;
    private final PublishedAddresses.Configuration publish;
    private final Supplier<ClusterState> state;
    private final Supplier<Compilation> compilation;

    public IngressStatusWriter(KubernetesClient client, PublishedAddresses.Configuration publish,
            Supplier<ClusterState> state, Supplier<Compilation> compilation) {
        this.client = client;
        this.publish = publish;
        this.state = state;
        this.compilation = compilation;
    }

    /** Brings every claimed Ingress's status to the published addresses. */
    public void sync() {
        if (publish.configured()) {
            List<IngressLoadBalancerIngress> wanted = addresses();
            if (wanted != null) {
                write(wanted);
            }
        }
    }

    /**
     * Empties the status of every claimed Ingress (on shutdown, when asked to), whatever the cache
     * says: a status written a moment ago may not have come back through the informer yet.
     */
    public void clear() {
        write(List.of(), true);
    }

    private void write(List<IngressLoadBalancerIngress> wanted) {
        write(wanted, false);
    }

    private void write(List<IngressLoadBalancerIngress> wanted, boolean evenIfCachedEqual) {
        ClusterState current = state.get();
        for (ObjectRef ref : compilation.get().claimed()) {
            Ingress ingress = current.get(ResourceKind.INGRESS, ref);
            if (ingress == null || (!evenIfCachedEqual && wanted.equals(statusOf(ingress)))) {
                continue;
            }
            try {
                client.network().v1().ingresses().inNamespace(ref.namespace()).withName(ref.name())
                        .editStatus(latest -> {
                            latest.setStatus(new IngressStatus(new IngressLoadBalancerStatus(wanted)));
                            return latest;
                        });
                LOG.info("Ingress {}: status.loadBalancer.ingress set to {}", ref, describe(wanted));
            } catch (KubernetesClientException e) {
                LOG.warn("Ingress {}: could not write its status ({}); will retry", ref, e.getMessage());
            }
        }
    }

    /** The addresses to publish, or {@code null} when they cannot be known now. */
    private List<IngressLoadBalancerIngress> addresses() {
        if (!publish.statusAddresses().isEmpty()) {
            return PublishedAddresses.of(publish.statusAddresses());
        }
        ObjectRef ref = publish.publishService();
        Service service = client.services().inNamespace(ref.namespace()).withName(ref.name()).get();
        if (service == null) {
            LOG.warn("Publish service {} not found; Ingress status is left as it is", ref);
            return null;
        }
        List<Node> nodes = "NodePort".equals(service.getSpec().getType()) ? client.nodes().list().getItems() : List.of();
        return PublishedAddresses.of(service, nodes);
    }

    private static List<IngressLoadBalancerIngress> statusOf(Ingress ingress) {
        if (ingress.getStatus() == null || ingress.getStatus().getLoadBalancer() == null
                || ingress.getStatus().getLoadBalancer().getIngress() == null) {
            return List.of();
        }
        return ingress.getStatus().getLoadBalancer().getIngress();
    }

    private static String describe(List<IngressLoadBalancerIngress> addresses) {
        return addresses.stream().map(a -> a.getIp() != null ? a.getIp() : a.getHostname()).toList().toString();
    }
}

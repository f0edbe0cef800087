package dev.caravan.source.kubernetes;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The zone this replica runs in, for topology-aware routing: the {@code topology.kubernetes.io/zone} label of the
 * Node its pod is scheduled on, read once at start as ingress-nginx reads it.
 */
public final class ControllerZone {

    static final String ZONE_LABEL = "topology.kubernetes.io/zone";
    private static final Logger LOG = LoggerFactory.getLogger(ControllerZone.class);

    private ControllerZone() {
    }

    /** The zone, or {@code null} (logged why) when it cannot be known: no preference is made then. */
    public static String lookUp(KubernetesClient client, String podNamespace, String podName) {
        String pod = podNamespace + "/" + podName;
        try {
            Pod own = client.pods().inNamespace(podNamespace).withName(podName).get();
            String nodeName = own == null || own.getSpec() == null ? null : own.getSpec().getNodeName();
            if (nodeName == null || nodeName.isEmpty()) {
                return unknown(own == null ? "pod " + pod + " (--pod-namespace, --pod-name) not found"
                        : "pod " + pod + " is on no node");
            }
            Node node = client.nodes().withName(nodeName).get();
            Map<String, String> labels = node == null ? null : node.getMetadata().getLabels();
            String zone = labels == null ? null : labels.get(ZONE_LABEL);
            if (zone == null || zone.isEmpty()) {
                return unknown(node == null ? "node " + nodeName + " not found"
                        : "node " + nodeName + " has no " + ZONE_LABEL + " label");
            }
            LOG.info("Topology-aware routing: this replica is in zone {} (node {})", zone, nodeName);
            return zone;
        } catch (KubernetesClientException e) {
            return unknown("pod " + pod + " and its node could not be read (" + e.getMessage()
                    + "); the RBAC must grant get on pods in " + podNamespace + " and on nodes");
        }
    }

    private static String unknown(String why) {
        LOG.warn("Topology-aware routing is off: {}", why);
        return null;
    }
}

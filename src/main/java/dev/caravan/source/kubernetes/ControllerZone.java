package dev.caravan.source.kubernetes;

import dev.caravan.state.ClusterStateStore;
import dev.caravan.state.Placement;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds where this replica runs, for topology-aware routing: the Node its pod is scheduled on, and that Node's
 * {@code topology.kubernetes.io/zone} label, put into the cluster state once known. It is looked for on a thread of its own,
 * so that a slow API server holds up nothing, and again every {@link #RETRY} until found: a Node labelled late (by
 * a cloud's controller) or rights granted later are followed. Until then no zone is preferred.
 */
public final class ControllerZone implements AutoCloseable {

    static final String ZONE_LABEL = "topology.kubernetes.io/zone";
    static final Duration RETRY = Duration.ofSeconds(30);
    private static final Logger LOG = LoggerFactory.getLogger(ControllerZone.class);

    private final KubernetesClient client;
    private final String podNamespace;
    private final String podName;
    private final ClusterStateStore store;
    private final Duration retry;
    private ScheduledExecutorService thread;
    /** The reason last told, so that each is logged once, not every retry. */
    private String told;
    private volatile long firstLook = -1;

    public ControllerZone(KubernetesClient client, String podNamespace, String podName, ClusterStateStore store) {
        this(client, podNamespace, podName, store, RETRY);
    }

    ControllerZone(KubernetesClient client, String podNamespace, String podName, ClusterStateStore store,
            Duration retry) {
        this.client = client;
        this.podNamespace = podNamespace;
        this.podName = podName;
        this.store = store;
        this.retry = retry;
    }

    /** Starts looking, at once and then until found. */
    public synchronized void start() {
        thread = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("caravan-zone", true));
        thread.execute(this::lookUp);
    }

    /**
     * The store's version once the zone was first looked for, found or not, or -1 before: a table compiled from a
     * state at least this version prefers the zone if it was found then.
     */
    public long firstLook() {
        return firstLook;
    }

    private void lookUp() {
        String zone = null;
        try {
            Placement found = find();
            if (found.node() != null) {
                store.setPlacement(found);
            }
            zone = found.zone();
        } catch (RuntimeException e) {
            zone = null;
            unknown("looking for it failed (" + e + ")");
        }
        if (firstLook < 0) {
            firstLook = store.version();
        }
        if (zone == null) {
            synchronized (this) {
                if (!thread.isShutdown()) {
                    thread.schedule(this::lookUp, retry.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
        }
    }

    /** The Node and its zone, either {@code null} (told why) when it cannot be known yet. */
    private Placement find() {
        String pod = podNamespace + "/" + podName;
        try {
            Pod own = client.pods().inNamespace(podNamespace).withName(podName).get();
            String nodeName = own == null || own.getSpec() == null ? null : own.getSpec().getNodeName();
            if (nodeName == null || nodeName.isEmpty()) {
                return new Placement(null, unknown(own == null ? "pod " + pod + " (--pod-namespace, --pod-name) not found"
                        : "pod " + pod + " is on no node"));
            }
            Node node = client.nodes().withName(nodeName).get();
            Map<String, String> labels = node == null ? null : node.getMetadata().getLabels();
            String zone = labels == null ? null : labels.get(ZONE_LABEL);
            if (zone == null || zone.isEmpty()) {
                // the node alone serves PreferSameNode
                return new Placement(nodeName, unknown(node == null ? "node " + nodeName + " not found"
                        : "node " + nodeName + " has no " + ZONE_LABEL + " label"));
            }
            LOG.info("Topology-aware routing: this replica is in zone {} (node {})", zone, nodeName);
            return new Placement(nodeName, zone);
        } catch (KubernetesClientException e) {
            return new Placement(null, unknown("pod " + pod + " and its node could not be read (" + e.getMessage()
                    + "); the RBAC must grant get on pods in " + podNamespace + " and on nodes"));
        }
    }

    private String unknown(String why) {
        if (!why.equals(told)) {
            told = why;
            LOG.warn("Topology-aware routing prefers no zone yet: {}; looked for again every {}", why,
                    retry.toSeconds() > 0 ? retry.toSeconds() + " s" : retry.toMillis() + " ms");
        }
        return null;
    }

    @Override
    public synchronized void close() {
        if (thread != null) {
            thread.shutdownNow();
        }
    }
}

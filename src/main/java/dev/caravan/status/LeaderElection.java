package dev.caravan.status;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import org.apache.camel.cluster.CamelClusterView;
import org.apache.camel.component.kubernetes.KubernetesConfiguration;
import org.apache.camel.component.kubernetes.cluster.KubernetesClusterService;
import org.apache.camel.component.kubernetes.cluster.LeaseResourceType;

/**
 * Which replica writes to the API: camel-kubernetes' {@link KubernetesClusterService} holding a Lease.
 * Every replica watches and proxies; routes consuming {@code master:caravan:...} and the reporters
 * that ask {@link #isLeader()} act on the leader only. A member must be a running, ready pod, so a
 * replica that stops or fails its readiness probe loses the lease to another.
 */
public final class LeaderElection {

    /** The lock group: {@code master:caravan:<uri>} routes run on its leader. */
    public static final String GROUP = "caravan";

    private final KubernetesClusterService service;

    /**
     * @param namespace     where the Lease lives (Caravan's own namespace)
     * @param leaseName     the Lease's name prefix (ingress-nginx calls this the election id)
     * @param podName       this replica's pod name
     * @param leaseDuration how long a silent leader keeps the lease
     */
    public LeaderElection(KubernetesClient client, String namespace, String leaseName, String podName,
            Duration leaseDuration) {
        KubernetesConfiguration configuration = new KubernetesConfiguration();
        configuration.setKubernetesClient(client);
        service = new KubernetesClusterService(configuration);
        service.setId("caravan-leader-election");
        service.setLeaseResourceType(LeaseResourceType.Lease);
        service.setKubernetesResourcesNamespace(namespace);
        service.setKubernetesResourceName(leaseName);
        service.setPodName(podName);
        long lease = leaseDuration.toMillis();
        service.setLeaseDurationMillis(lease);
        service.setRenewDeadlineMillis(lease * 2 / 3);
        service.setRetryPeriodMillis(Math.max(200, lease / 7));
    }

    public KubernetesClusterService service() {
        return service;
    }

    public boolean isLeader() {
        if (!service.isStarted()) {
            return false;
        }
        try {
            CamelClusterView view = service.getView(GROUP);
            return view.getLocalMember().isLeader();
        } catch (Exception notYet) {
            return false;
        }
    }
}

package dev.caravan.deploy;

import dev.caravan.cli.CaravanOptions;
import dev.caravan.routing.ObjectRef;
import dev.caravan.state.ResourceKind;
import dev.caravan.status.LeaderElection;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Every call Caravan makes to the Kubernetes API, in one list: what its RBAC must allow. ApiCallsTest
 * checks the list against the requests a running Caravan sends, DeploymentManifestsTest checks k8s/'s RBAC
 * against the list. A new call in the code without a line here fails the first; a line here without a
 * rule in k8s/ fails the second.
 */
final class ApiCalls {

    /** The leader's work that only some settings call for. */
    enum Duty {
        /** Writing Ingress status: with addresses to publish, or to empty it on shutdown. */
        INGRESS_STATUS,
        /** Reading the --publish-service. */
        PUBLISH_SERVICE,
        /** Listing the nodes, whose addresses a NodePort --publish-service publishes. */
        NODE_ADDRESSES,
        /** The admission webhook's certificate (--webhook-port): its Secret and the caBundle. */
        ADMISSION_WEBHOOK,
        /** Watching the Namespaces --watch-namespace-selector selects. */
        NAMESPACE_SELECTION,
        /** Reading this replica's Pod and its Node, whose zone --enable-topology-aware-routing prefers. */
        TOPOLOGY_ZONE,
        /** Reading ingress-nginx's controller ConfigMap (--configmap) before the start. */
        CONTROLLER_CONFIGMAP
    }

    private ApiCalls() {
    }

    /**
     * The duties Caravan takes on with these options.
     *
     * @param publishServiceType the {@code spec.type} of the --publish-service, if there is one
     */
    static Set<Duty> duties(CaravanOptions options, String publishServiceType) {
        Set<Duty> duties = EnumSet.noneOf(Duty.class);
        if (options.publishService() != null || !options.publishStatusAddresses().isEmpty()
                || options.updateStatusOnShutdown()) {
            duties.add(Duty.INGRESS_STATUS);
        }
        if (options.webhookPort() != 0) {
            duties.add(Duty.ADMISSION_WEBHOOK);
        }
        if (options.watchNamespaceSelector() != null) {
            duties.add(Duty.NAMESPACE_SELECTION);
        }
        if (options.enableTopologyAwareRouting()) {
            duties.add(Duty.TOPOLOGY_ZONE);
        }
        if (options.configMap() != null) {
            duties.add(Duty.CONTROLLER_CONFIGMAP);
        }
        if (options.publishService() != null) {
            duties.add(Duty.PUBLISH_SERVICE);
            if ("NodePort".equals(publishServiceType)) {
                duties.add(Duty.NODE_ADDRESSES);
            }
        }
        return duties;
    }

    /** The calls Caravan makes in a cluster with these options and duties. */
    static List<ApiCall> made(CaravanOptions options, Set<Duty> duties) {
        String watched = options.watchNamespace();
        List<ApiCall> calls = new ArrayList<>();
        // The informers (KubernetesSource, InformerConsumer): list, then watch, every watched kind.
        for (ResourceKind kind : ResourceKind.values()) {
            if (kind == ResourceKind.NAMESPACE && !duties.contains(Duty.NAMESPACE_SELECTION)) {
                // watched for --watch-namespace-selector alone
                continue;
            }
            String group = group(kind.apiVersion());
            String namespace = kind.namespaced() ? watched : null;
            calls.add(ApiCall.of("list", group, kind.plural(), namespace));
            calls.add(ApiCall.of("watch", group, kind.plural(), namespace));
        }
        // KubernetesEventReporter, through camel-kubernetes' kubernetes-events producer: events.k8s.io/v1.
        calls.add(ApiCall.of("create", "events.k8s.io", "events", watched));
        // LeaderElection: camel-kubernetes' KubernetesClusterService with a Lease (NativeLeaseResourceManager)
        // named <election id>-<group>, and the running, ready pods of the namespace as its members.
        String pods = options.podNamespace();
        String lease = options.electionId() + "-" + LeaderElection.GROUP;
        calls.add(new ApiCall("get", "coordination.k8s.io", "leases", pods, lease));
        calls.add(ApiCall.of("create", "coordination.k8s.io", "leases", pods));
        calls.add(new ApiCall("update", "coordination.k8s.io", "leases", pods, lease));
        calls.add(ApiCall.of("list", "", "pods", pods));
        // IngressStatusWriter: fabric8's editStatus gets the Ingress, then sends a JSON patch of its status.
        if (duties.contains(Duty.INGRESS_STATUS)) {
            calls.add(ApiCall.of("get", "networking.k8s.io", "ingresses", watched));
            calls.add(ApiCall.of("patch", "networking.k8s.io", "ingresses/status", watched));
        }
        ObjectRef publish = options.publishService();
        if (duties.contains(Duty.PUBLISH_SERVICE)) {
            calls.add(publish == null ? ApiCall.of("get", "", "services", null)
                    : new ApiCall("get", "", "services", publish.namespace(), publish.name()));
        }
        if (duties.contains(Duty.NODE_ADDRESSES)) {
            calls.add(ApiCall.of("list", "", "nodes", null));
        }
        if (duties.contains(Duty.TOPOLOGY_ZONE)) {
            // ControllerZone, once at start: the replica's Pod, then the Node it is on
            calls.add(new ApiCall("get", "", "pods", pods, options.podName()));
            calls.add(ApiCall.of("get", "", "nodes", null));
        }
        if (duties.contains(Duty.CONTROLLER_CONFIGMAP)) {
            // ConfigMapReader, in CaravanMain before the start: listed by name, as the informers' list is granted
            calls.add(ApiCall.of("list", "", "configmaps", options.configMap() == null ? null
                    : options.configMap().namespace()));
        }
        if (duties.contains(Duty.ADMISSION_WEBHOOK)) {
            // WebhookCertificateReloader (every replica) and WebhookCertificateIssuer (the leader) get the Secret
            // by name; the issuer creates it (RBAC cannot limit create to a name) or replaces the version it read.
            String secret = options.webhookSecret();
            calls.add(new ApiCall("get", "", "secrets", pods, secret));
            calls.add(ApiCall.of("create", "", "secrets", pods));
            calls.add(new ApiCall("update", "", "secrets", pods, secret));
            // the issuer's caBundle: fabric8's edit gets the configuration, then sends a JSON patch
            String configuration = options.webhookConfiguration();
            calls.add(new ApiCall("get", "admissionregistration.k8s.io", "validatingwebhookconfigurations", null,
                    configuration));
            calls.add(new ApiCall("patch", "admissionregistration.k8s.io", "validatingwebhookconfigurations", null,
                    configuration));
        }
        return calls;
    }

    /** The calls Caravan may make with these options, whatever the duties: what may be granted at all. */
    static List<ApiCall> possible(CaravanOptions options) {
        return made(options, EnumSet.allOf(Duty.class));
    }

    private static String group(String apiVersion) {
        int slash = apiVersion.indexOf('/');
        return slash < 0 ? "" : apiVersion.substring(0, slash);
    }
}

package dev.caravan.source.kubernetes;

import dev.caravan.routing.ObjectRef;
import dev.caravan.source.StateSource;
import dev.caravan.state.Change;
import dev.caravan.state.ClusterState;
import dev.caravan.state.ClusterStateStore;
import dev.caravan.state.ResourceKind;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Route;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.kubernetes.KubernetesConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kubernetes API as a source of cluster state: one route per watched kind, each consuming a
 * {@code caravan-informer} endpoint and applying what it hears to the store. Secrets are watched but for the
 * types no Ingress may name (see {@link #SECRET_TYPES}), and are never logged; ConfigMaps but for Helm 2's.
 */
public final class KubernetesSource extends RouteBuilder implements StateSource {

    public static final String ROUTE_PREFIX = "source-kubernetes-";
    /**
     * The Secrets read: TLS ones for certificates and Opaque ones for basic authentication (auth-secret) and
     * client certificate authorities (auth-tls-secret), but never service-account tokens, bootstrap tokens or
     * Helm's release records, the bulk of a cluster's Secrets and nothing an Ingress may name.
     */
    static final String SECRET_TYPES = "type!=kubernetes.io/service-account-token,type!=bootstrap.kubernetes.io/token,"
            + "type!=helm.sh/release.v1";
    /** The same types, checked again here: what an API server's field selector lets through is not trusted. */
    private static final Set<String> SECRET_TYPES_NOT_READ = Set.of(
            "kubernetes.io/service-account-token", "bootstrap.kubernetes.io/token", "helm.sh/release.v1");
    /** The ConfigMaps read: all but Helm 2's release records, as ingress-nginx leaves them out (large, and many). */
    static final String CONFIG_MAP_LABELS = "OWNER!=TILLER";
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesSource.class);

    private final ClusterStateStore store;
    private final String namespace;
    private final String namespaceSelector;
    private final List<ResourceKind> kinds;
    private volatile long syncedVersion = -1;
    private volatile Runnable onSynced = () -> { };

    /** @param namespace the namespace to watch, or empty for all */
    public KubernetesSource(ClusterStateStore store, String namespace) {
        this(store, namespace, null);
    }

    /**
     * @param namespaceSelector the labels of the namespaces whose Ingresses are served ({@code
     *                          --watch-namespace-selector}), or {@code null}: the Namespaces it selects are watched
     */
    public KubernetesSource(ClusterStateStore store, String namespace, String namespaceSelector) {
        this.store = store;
        this.namespace = namespace == null ? "" : namespace;
        this.namespaceSelector = namespaceSelector;
        this.kinds = Arrays.stream(ResourceKind.values())
                .filter(kind -> kind != ResourceKind.NAMESPACE || namespaceSelector != null).toList();
    }

    /** The kinds watched. */
    public List<ResourceKind> kinds() {
        return kinds;
    }

    public static String routeId(ResourceKind kind) {
        return ROUTE_PREFIX + kind.plural();
    }

    @Override
    public void configure() {
        for (ResourceKind kind : kinds) {
            String uri = "caravan-informer:" + kind.plural() + "?namespace=" + (kind.namespaced() ? namespace : "")
                    + (kind == ResourceKind.SECRET ? "&fieldSelector=RAW(" + SECRET_TYPES + ")" : "")
                    + (kind == ResourceKind.CONFIG_MAP ? "&labelSelector=RAW(" + CONFIG_MAP_LABELS + ")" : "")
                    // the API server selects: a namespace in the state is one whose Ingresses are served
                    + (kind == ResourceKind.NAMESPACE ? "&labelSelector=RAW(" + namespaceSelector + ")" : "");
            from(uri)
                    .routeId(routeId(kind))
                    .routeDescription("Watches " + kind.plural() + (namespace.isEmpty() || !kind.namespaced()
                            ? "" : " in namespace " + namespace) + " and applies them to the cluster state")
                    // errors are logged by name below, never with the exchange: a body may be a Secret
                    .errorHandler(noErrorHandler())
                    .process(this::apply);
        }
    }

    @Override
    public void onSynced(Runnable callback) {
        this.onSynced = callback;
    }

    private void apply(Exchange exchange) {
        String action = exchange.getMessage().getHeader(KubernetesConstants.KUBERNETES_EVENT_ACTION, String.class);
        if (InformerConsumer.SYNCED.equals(action)) {
            announceSync();
            return;
        }
        HasMetadata object = exchange.getMessage().getBody(HasMetadata.class);
        if (object instanceof Secret secret && SECRET_TYPES_NOT_READ.contains(secret.getType())
                || object instanceof ConfigMap && "TILLER".equals(object.getMetadata().getLabels() == null ? null
                        : object.getMetadata().getLabels().get("OWNER"))) {
            return;
        }
        try {
            store.apply(List.of("DELETED".equals(action) ? Change.delete(object) : Change.upsert(object)));
        } catch (RuntimeException e) {
            ObjectRef ref = ClusterState.refOf(object);
            LOG.error("Could not apply {} of {} {}: {}", action, object.getKind(), ref, e.toString());
        }
    }

    private synchronized void announceSync() {
        if (syncedVersion < 0 && allInformersSynced()) {
            syncedVersion = store.version();
            LOG.info("All watched kinds synced");
            onSynced.run();
        }
    }

    /** Whether every informer has listed its kind and the routes have applied all of it. */
    @Override
    public boolean synced() {
        return syncedVersion >= 0;
    }

    private boolean allInformersSynced() {
        for (ResourceKind kind : kinds) {
            if (!informerSynced(kind)) {
                return false;
            }
        }
        return true;
    }

    /** Whether the informer of one kind has listed it (it may have lost its watch since: it relists by itself). */
    public boolean informerSynced(ResourceKind kind) {
        CamelContext context = getContext();
        Route route = context == null ? null : context.getRoute(routeId(kind));
        return route != null && route.getConsumer() instanceof InformerConsumer consumer && consumer.synced();
    }

    @Override
    public long syncedVersion() {
        return syncedVersion;
    }

    /** What is still syncing and why, for the readiness report. */
    public String pending() {
        StringBuilder pending = new StringBuilder();
        CamelContext context = getContext();
        for (ResourceKind kind : kinds) {
            Route route = context == null ? null : context.getRoute(routeId(kind));
            if (route != null && route.getConsumer() instanceof InformerConsumer consumer && !consumer.synced()) {
                pending.append(pending.length() == 0 ? "" : ", ").append(kind.plural());
                if (consumer.lastError() != null) {
                    pending.append(" (").append(consumer.lastError()).append(')');
                }
            }
        }
        return pending.toString();
    }
}

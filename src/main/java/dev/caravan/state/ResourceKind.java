package dev.caravan.state;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;

/** The kinds Caravan watches, with the API version of each that it reads. */
public enum ResourceKind {
    INGRESS(Ingress.class, "networking.k8s.io/v1", "ingresses", true),
    INGRESS_CLASS(IngressClass.class, "networking.k8s.io/v1", "ingressclasses", false),
    SERVICE(Service.class, "v1", "services", true),
    ENDPOINT_SLICE(EndpointSlice.class, "discovery.k8s.io/v1", "endpointslices", true),
    ENDPOINTS(Endpoints.class, "v1", "endpoints", true),
    SECRET(Secret.class, "v1", "secrets", true),
    /** For {@code custom-headers}: the headers an Ingress's responses carry. */
    CONFIG_MAP(ConfigMap.class, "v1", "configmaps", true),
    /** For {@code --watch-namespace-selector}: the namespaces it selects, and those alone. */
    NAMESPACE(Namespace.class, "v1", "namespaces", false);

    private final Class<? extends HasMetadata> type;
    private final String apiVersion;
    private final String plural;
    private final boolean namespaced;

    ResourceKind(Class<? extends HasMetadata> type, String apiVersion, String plural, boolean namespaced) {
        this.type = type;
        this.apiVersion = apiVersion;
        this.plural = plural;
        this.namespaced = namespaced;
    }

    /** The resource's plural name as the API spells it, e.g. {@code endpointslices}. */
    public String plural() {
        return plural;
    }

    /** The kind whose plural name this is, or {@code null}. */
    public static ResourceKind ofPlural(String plural) {
        for (ResourceKind kind : values()) {
            if (kind.plural.equals(plural)) {
                return kind;
            }
        }
        return null;
    }

    public Class<? extends HasMetadata> type() {
        return type;
    }

    public String apiVersion() {
        return apiVersion;
    }

    public String kindName() {
        return type.getSimpleName();
    }

    public boolean namespaced() {
        return namespaced;
    }

    /** The kind of a watched object, or {@code null} for any other object. */
    public static ResourceKind of(HasMetadata object) {
        for (ResourceKind kind : values()) {
            if (kind.type.isInstance(object)) {
                return kind;
            }
        }
        return null;
    }
}

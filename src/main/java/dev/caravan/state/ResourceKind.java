package dev.caravan.state;

import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;

/** The kinds Caravan watches, with the API version of each that it reads. */
public enum ResourceKind {
    INGRESS(Ingress.class, "networking.k8s.io/v1", true),
    INGRESS_CLASS(IngressClass.class, "networking.k8s.io/v1", false),
    SERVICE(Service.class, "v1", true),
    ENDPOINT_SLICE(EndpointSlice.class, "discovery.k8s.io/v1", true),
    ENDPOINTS(Endpoints.class, "v1", true),
    SECRET(Secret.class, "v1", true);

    private final Class<? extends HasMetadata> type;
    private final String apiVersion;
    private final boolean namespaced;

    ResourceKind(Class<? extends HasMetadata> type, String apiVersion, boolean namespaced) {
        this.type = type;
        this.apiVersion = apiVersion;
        this.namespaced = namespaced;
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

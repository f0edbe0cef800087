package dev.caravan.state;

import dev.caravan.routing.ObjectRef;
import io.fabric8.kubernetes.api.model.HasMetadata;

/** An object added or updated ({@code deleted == false}), or removed. */
public record Change(ResourceKind kind, ObjectRef ref, HasMetadata object, boolean deleted) {

    public static Change upsert(HasMetadata object) {
        return new Change(kindOf(object), ClusterState.refOf(object), object, false);
    }

    public static Change delete(HasMetadata object) {
        return new Change(kindOf(object), ClusterState.refOf(object), object, true);
    }

    private static ResourceKind kindOf(HasMetadata object) {
        ResourceKind kind = ResourceKind.of(object);
        if (kind == null) {
            throw new IllegalArgumentException("not a watched kind: " + object.getKind());
        }
        return kind;
    }
}

package dev.caravan.state;

import dev.caravan.collect.ShardedMap;
import dev.caravan.routing.ObjectRef;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * One immutable version of everything Caravan knows about the cluster: the latest object of each
 * watched kind by namespace and name. It knows nothing about HTTP.
 */
public final class ClusterState {

    public static final ClusterState EMPTY = new ClusterState(0, new EnumMap<>(ResourceKind.class), ExternalNames.NONE,
            Placement.UNKNOWN);

    private final long version;
    private final Map<ResourceKind, ShardedMap<ObjectRef, HasMetadata>> objects;
    private final ExternalNames externalNames;
    private final Placement placement;

    private ClusterState(long version, Map<ResourceKind, ShardedMap<ObjectRef, HasMetadata>> objects,
            ExternalNames externalNames, Placement placement) {
        this.version = version;
        this.objects = objects;
        this.externalNames = externalNames;
        this.placement = placement;
    }

    public long version() {
        return version;
    }

    /** The objects of one kind; typed by the kind's class. */
    @SuppressWarnings("unchecked")
    public <T extends HasMetadata> Collection<T> all(ResourceKind kind) {
        return (Collection<T>) objectsOf(kind).values();
    }

    @SuppressWarnings("unchecked")
    public <T extends HasMetadata> T get(ResourceKind kind, ObjectRef ref) {
        return (T) objectsOf(kind).get(ref);
    }

    /**
     * The objects of a kind added, removed or replaced since an older version of this state, compared by
     * identity (an object re-sent unchanged but decoded anew counts as changed). Only what the two versions do
     * not share is looked at: a few changes cost a few, at any size.
     */
    public Set<ObjectRef> changedSince(ClusterState older, ResourceKind kind) {
        Set<ObjectRef> changed = new HashSet<>();
        objectsOf(kind).forEachChangedKey(older.objectsOf(kind), changed::add);
        return changed;
    }

    /** The addresses of the ExternalName Services' names, as last looked up. */
    public ExternalNames externalNames() {
        return externalNames;
    }

    /** A new version with these answers for the ExternalName Services' names. */
    public ClusterState with(ExternalNames answers) {
        return new ClusterState(version + 1, objects, answers, placement);
    }

    /**
     * The zone this replica runs in (its Node's {@code topology.kubernetes.io/zone}), whose endpoints are preferred
     * where a Service asks for it ({@code --enable-topology-aware-routing}); {@code null} when not known or not asked.
     */
    public String zone() {
        return placement.zone();
    }

    /**
     * The Node this replica runs on, whose endpoints are preferred where a Service asks for it
     * ({@code trafficDistribution: PreferSameNode}, with {@code --enable-topology-aware-routing}); {@code null} when
     * not known or not asked.
     */
    public String node() {
        return placement.node();
    }

    /** A new version in which this replica is in {@code zone}, on the same Node. */
    public ClusterState withZone(String zone) {
        return withPlacement(new Placement(placement.node(), zone));
    }

    /** A new version in which this replica runs at {@code where}. */
    public ClusterState withPlacement(Placement where) {
        return new ClusterState(version + 1, objects, externalNames, where);
    }

    public int size(ResourceKind kind) {
        return objectsOf(kind).size();
    }

    /** A new version with the changes applied; what they do not touch is shared with this one. */
    public ClusterState with(Iterable<Change> changes) {
        Map<ResourceKind, ShardedMap.Editor<ObjectRef, HasMetadata>> editors = new EnumMap<>(ResourceKind.class);
        for (Change change : changes) {
            ShardedMap.Editor<ObjectRef, HasMetadata> editor = editors.computeIfAbsent(change.kind(),
                    kind -> objectsOf(kind).edit());
            if (change.deleted()) {
                editor.remove(change.ref());
            } else {
                editor.put(change.ref(), change.object());
            }
        }
        return next(version + 1, editors, externalNames, placement);
    }

    /** A later version in which the edited kinds are replaced and every other kind is shared with this one. */
    ClusterState next(long nextVersion, Map<ResourceKind, ShardedMap.Editor<ObjectRef, HasMetadata>> editors,
            ExternalNames answers, Placement placement) {
        Map<ResourceKind, ShardedMap<ObjectRef, HasMetadata>> next = new EnumMap<>(ResourceKind.class);
        next.putAll(objects);
        editors.forEach((kind, editor) -> next.put(kind, editor.build()));
        return new ClusterState(nextVersion, next, answers, placement);
    }

    /** An editor of one kind's objects, for the store's next snapshot. */
    ShardedMap.Editor<ObjectRef, HasMetadata> edit(ResourceKind kind) {
        return objectsOf(kind).edit();
    }

    private ShardedMap<ObjectRef, HasMetadata> objectsOf(ResourceKind kind) {
        ShardedMap<ObjectRef, HasMetadata> of = objects.get(kind);
        return of == null ? ShardedMap.of() : of;
    }

    /** The reference of an object as the state keys it; a missing namespace means {@code default}. */
    public static ObjectRef refOf(HasMetadata object) {
        ResourceKind kind = ResourceKind.of(object);
        String namespace = object.getMetadata().getNamespace();
        if (kind != null && !kind.namespaced()) {
            namespace = "";
        } else if (namespace == null || namespace.isEmpty()) {
            namespace = "default";
        }
        return new ObjectRef(namespace, object.getMetadata().getName());
    }
}

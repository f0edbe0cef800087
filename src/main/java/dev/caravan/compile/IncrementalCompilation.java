package dev.caravan.compile;

import dev.caravan.collect.ShardedMap;
import dev.caravan.routing.Backend;
import dev.caravan.routing.HostRoutes;
import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.RoutingTable;
import dev.caravan.routing.StreamServices;
import dev.caravan.state.ClusterState;
import dev.caravan.state.ResourceKind;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One compilation of a state, from the memory of the previous one: only the Ingresses whose inputs changed
 * are selected again, and only the keys of the configuration they touch, with every Ingress touching those,
 * are built again. The rest of the table is the previous table's, host for host. From an empty memory this is
 * a full compilation, by the same code.
 *
 * <p>What makes it exact: an Ingress's selection depends on the Ingress, the Secrets it reads, the
 * IngressClasses and the operator's choice (IngressClasses changing start from scratch); what a key of the
 * configuration becomes depends on the Ingresses touching it and the Services they name. The Ingresses to build
 * are closed over shared keys, so each key is built from all of its Ingresses, oldest first.
 */
final class IncrementalCompilation {

    private final ControllerSettings settings;
    private final ClusterState state;
    private final CompilerMemory before;
    private final Compilation base;
    private final Map<ObjectRef, Ingress> previousGood;
    private final Set<ObjectRef> disabled;

    private final ShardedMap.Editor<ObjectRef, IngressSelection> selections;
    private final ShardedMap.Editor<TableKey, Set<ObjectRef>> ingressesByKey;
    private final ShardedMap.Editor<ObjectRef, Set<ObjectRef>> ingressesByService;
    private final ShardedMap.Editor<ObjectRef, Set<ObjectRef>> ingressesByObjectRead;
    private final ShardedMap.Editor<ObjectRef, List<EndpointSlice>> slicesByService;
    private final ShardedMap.Editor<ObjectRef, List<Problem>> problems;
    private final BackendCache.Editor backends;

    /**
     * @param before   the memory of the previous compilation, or an empty one to compile from scratch
     * @param previous the previous compilation, whose last good Ingresses stand in for invalid edits
     */
    IncrementalCompilation(ControllerSettings settings, ClusterState state, CompilerMemory before,
            Compilation previous, Set<ObjectRef> disabled) {
        this.settings = settings;
        this.state = state;
        this.before = before;
        this.base = before.state() == ClusterState.EMPTY ? Compilation.EMPTY : previous;
        this.previousGood = previous.lastGood();
        this.disabled = Set.copyOf(disabled);
        this.selections = before.selections().edit();
        this.ingressesByKey = before.ingressesByKey().edit();
        this.ingressesByService = before.ingressesByService().edit();
        this.ingressesByObjectRead = before.ingressesByObjectRead().edit();
        this.slicesByService = before.slicesByService().edit();
        this.problems = before.problems().edit();
        this.backends = before.backends().edit();
    }

    Compilation run() {
        Set<ObjectRef> dirty = dirtyIngresses();
        Set<TableKey> keys = new HashSet<>();
        ShardedMap.Editor<ObjectRef, Ingress> lastGood = ShardedMap.copyOf(base.lastGood()).edit();
        ShardedMap.Editor<ObjectRef, ObjectRef> claimed = base.claimedRefs().edit();
        ShardedMap.Editor<ObjectRef, String> ignored = ShardedMap.copyOf(base.ignored()).edit();
        Set<ObjectRef> unnamed = new HashSet<>();
        IngressSelection.Selector selector = new IngressSelection.Selector(settings, state);
        for (ObjectRef ref : dirty) {
            IngressSelection old = selections.get(ref);
            selections.remove(ref);
            if (old != null) {
                unindex(old, unnamed);
                keys.addAll(old.footprint());
            }
            lastGood.remove(ref);
            claimed.remove(ref);
            ignored.remove(ref);
            Ingress ingress = state.get(ResourceKind.INGRESS, ref);
            if (ingress == null) {
                continue;
            }
            IngressSelection selection = select(selector, ingress, previousGood.get(ref), disabled.contains(ref));
            selections.put(ref, selection);
            index(selection);
            keys.addAll(selection.footprint());
            if (selection.claimed()) {
                claimed.put(ref, ref);
            } else {
                ignored.put(ref, selection.ignored());
            }
            if (selection.lastGood() != null) {
                lastGood.put(ref, selection.lastGood());
            }
        }
        for (ObjectRef service : unnamed) {
            if (ingressesByService.get(service) == null) {
                // no Ingress names it any more: its backends go with it
                backends.forget(service);
            }
        }
        List<ServedIngress> component = closeOver(keys);

        ShardedMap<ObjectRef, List<EndpointSlice>> slices = slicesByService.build();
        BackendResolver resolver = new BackendResolver(state, slices, backends, settings.externalNameServices());
        HostTableBuilder builder = new HostTableBuilder(resolver, settings.sslPassthrough(), settings.noAuthLocations());
        List<Problem> faults = new ArrayList<>();
        Set<ObjectRef> leftOut = new HashSet<>();
        for (Fault fault = addAll(builder, component, leftOut); fault != null; fault = addAll(builder, component,
                leftOut)) {
            // Caravan's own fault on an Ingress: built again without it, so that nothing of it stays half added
            faults.add(IngressSelection.fault(fault.ingress(), fault.error(), false));
            leftOut.add(fault.ingress());
            builder = new HostTableBuilder(resolver, settings.sslPassthrough(), settings.noAuthLocations());
        }
        ShardedMap<String, TlsHost> tls = replaced(base.tls(), keys, TableKey.Kind.TLS_HOST, builder.tls(), name -> name);
        Map<TableKey, HostRoutes> built = builder.hostRoutes(name -> TlsHost.named(tls, name));
        ShardedMap<ObjectRef, ObjectRef> backendTlsSecrets = replaced(base.backendTlsSecrets(), keys,
                TableKey.Kind.BACKEND_TLS_SECRET, builder.backendTlsSecrets(), ObjectRef::parse);
        ShardedMap<String, Backend> passthrough = replaced(base.table().passthrough(), keys, TableKey.Kind.PASSTHROUGH_HOST,
                builder.passthrough(), name -> name);
        // what no Ingress names is resolved in every compilation, by a resolver of its own that tells which Services
        BackendResolver outsideIngresses = new BackendResolver(state, slices, backends,
                settings.externalNameServices());
        Backend defaultBackend = settings.defaultBackendService() == null ? null
                : outsideIngresses.resolveFirstPort(settings.defaultBackendService()).backend();
        StreamServices streamServices = StreamServicesReader.read(state, settings, outsideIngresses);
        RoutingTable table = new RoutingTable(state.version(), hosts(base.table().exactHosts(), TableKey.Kind.EXACT_HOST,
                built, keys, tls), hosts(base.table().wildcardHosts(), TableKey.Kind.WILDCARD_HOST, built, keys, tls),
                keys.contains(TableKey.ANY_HOST) ? built.get(TableKey.ANY_HOST) : base.table().anyHost(),
                defaultBackend, passthrough, GlobalHeadersReader.read(state, settings), streamServices);

        Set<ObjectRef> rebuilt = new HashSet<>(dirty);
        component.forEach(served -> rebuilt.add(served.ref()));
        faults.addAll(builder.problems());
        keepProblems(rebuilt, faults);
        ShardedMap<ObjectRef, List<Problem>> problemsNow = problems.build();
        CompilerMemory memory = new CompilerMemory(settings, state, disabled, selections.build(),
                ingressesByKey.build(), ingressesByService.build(), ingressesByObjectRead.build(), problemsNow,
                slices, backends.build());
        return new Compilation(table, allProblems(problemsNow), lastGood.build(), claimed.build(), ignored.build(),
                tls, backendTlsSecrets, Set.copyOf(outsideIngresses.named()), memory);
    }

    /** The problems of the Ingresses selected or built again: their selection's, then the builder's. */
    private void keepProblems(Set<ObjectRef> rebuilt, List<Problem> built) {
        Map<ObjectRef, List<Problem>> found = new HashMap<>();
        built.forEach(problem -> found.computeIfAbsent(problem.ingress(), r -> new ArrayList<>()).add(problem));
        for (ObjectRef ref : rebuilt) {
            IngressSelection selection = selections.get(ref);
            List<Problem> all = new ArrayList<>(selection == null ? List.of() : selection.problems());
            all.addAll(found.getOrDefault(ref, List.of()));
            if (all.isEmpty()) {
                problems.remove(ref);
            } else {
                problems.put(ref, List.copyOf(all));
            }
        }
    }

    /** The Ingresses whose selection, or whose backends, may come out otherwise than in the previous compilation. */
    private Set<ObjectRef> dirtyIngresses() {
        ClusterState older = before.state();
        Set<ObjectRef> dirty = new HashSet<>(state.changedSince(older, ResourceKind.INGRESS));
        if (older == ClusterState.EMPTY) {
            // from scratch every Ingress is new and nothing depends on anything yet: index the slices at once
            indexSlices();
            return dirty;
        }
        for (ObjectRef service : state.changedSince(older, ResourceKind.SERVICE)) {
            serviceChanged(service, dirty);
        }
        for (ObjectRef ref : state.changedSince(older, ResourceKind.ENDPOINTS)) {
            serviceChanged(ref, dirty);
        }
        for (ObjectRef ref : state.changedSince(older, ResourceKind.ENDPOINT_SLICE)) {
            EndpointSlice was = older.get(ResourceKind.ENDPOINT_SLICE, ref);
            EndpointSlice now = state.get(ResourceKind.ENDPOINT_SLICE, ref);
            if (was != null) {
                ObjectRef service = BackendResolver.serviceOf(was);
                if (service != null) {
                    List<EndpointSlice> slices = slicesByService.get(service);
                    put(slicesByService, service, slices == null ? null : without(slices, was));
                    serviceChanged(service, dirty);
                }
            }
            if (now != null) {
                ObjectRef service = BackendResolver.serviceOf(now);
                if (service != null) {
                    List<EndpointSlice> slices = slicesByService.get(service);
                    put(slicesByService, service, slices == null ? List.of(now) : with(slices, List.of(now)));
                    serviceChanged(service, dirty);
                }
            }
        }
        Set<ObjectRef> namespaces = state.changedSince(older, ResourceKind.NAMESPACE);
        if (!namespaces.isEmpty()) {
            // a namespace selected or no longer: its Ingresses are ours or not
            Set<String> names = new HashSet<>();
            namespaces.forEach(namespace -> names.add(namespace.name()));
            for (Ingress ingress : state.<Ingress>all(ResourceKind.INGRESS)) {
                if (names.contains(ClusterState.refOf(ingress).namespace())) {
                    dirty.add(ClusterState.refOf(ingress));
                }
            }
        }
        for (ObjectRef service : state.externalNames().changedSince(older.externalNames())) {
            serviceChanged(service, dirty);
        }
        for (ResourceKind read : List.of(ResourceKind.SECRET, ResourceKind.CONFIG_MAP)) {
            for (ObjectRef ref : state.changedSince(older, read)) {
                dirty.addAll(orNone(ingressesByObjectRead.get(ref)));
            }
        }
        for (ObjectRef ref : before.disabled()) {
            if (!disabled.contains(ref)) {
                dirty.add(ref);
            }
        }
        for (ObjectRef ref : disabled) {
            if (!before.disabled().contains(ref)) {
                dirty.add(ref);
            }
        }
        return dirty;
    }

    private void indexSlices() {
        Map<ObjectRef, List<EndpointSlice>> byService = new HashMap<>();
        for (EndpointSlice slice : state.<EndpointSlice>all(ResourceKind.ENDPOINT_SLICE)) {
            ObjectRef service = BackendResolver.serviceOf(slice);
            if (service != null) {
                byService.computeIfAbsent(service, s -> new ArrayList<>(1)).add(slice);
            }
        }
        byService.forEach(slicesByService::put);
    }

    private void serviceChanged(ObjectRef service, Set<ObjectRef> dirty) {
        backends.forget(service);
        dirty.addAll(orNone(ingressesByService.get(service)));
    }

    /**
     * Every served Ingress touching one of the keys, and every Ingress touching a key of those, until closed,
     * oldest first; the keys grow to all the keys they touch.
     */
    private List<ServedIngress> closeOver(Set<TableKey> keys) {
        Deque<TableKey> pending = new ArrayDeque<>(keys);
        Set<ObjectRef> seen = new HashSet<>();
        List<ServedIngress> component = new ArrayList<>();
        while (!pending.isEmpty()) {
            for (ObjectRef ref : orNone(ingressesByKey.get(pending.poll()))) {
                if (seen.add(ref)) {
                    IngressSelection selection = selections.get(ref);
                    component.add(selection.served());
                    for (TableKey key : selection.footprint()) {
                        if (keys.add(key)) {
                            pending.add(key);
                        }
                    }
                }
            }
        }
        component.sort(ServedIngress.OLDEST_FIRST);
        return component;
    }

    /** A fault of Caravan's own adding an Ingress to the table. */
    private record Fault(ObjectRef ingress, RuntimeException error) {
    }

    /** Adds the component's Ingresses but those left out, until one fails; returns that fault, or {@code null}. */
    private static Fault addAll(HostTableBuilder builder, List<ServedIngress> component, Set<ObjectRef> leftOut) {
        for (ServedIngress served : component) {
            if (leftOut.contains(served.ref())) {
                continue;
            }
            try {
                builder.add(served);
            } catch (RuntimeException error) {
                return new Fault(served.ref(), error);
            }
        }
        return null;
    }

    /**
     * The selection of an Ingress; on a fault of Caravan's own, which no Ingress should cause, its last good version
     * is served as after an invalid edit, and without one the Ingress is left out, not the whole table.
     */
    private static IngressSelection select(IngressSelection.Selector selector, Ingress ingress, Ingress previousGood,
            boolean disabled) {
        ObjectRef ref = ClusterState.refOf(ingress);
        try {
            return selector.select(ingress, previousGood, disabled);
        } catch (RuntimeException fault) {
            if (previousGood != null) {
                try {
                    IngressSelection good = selector.select(previousGood, null, disabled);
                    return new IngressSelection(ref, good.ignored(), good.served(), previousGood,
                            List.of(IngressSelection.fault(ref, fault, true)), good.objectsRead(), good.footprint(),
                            good.services());
                } catch (RuntimeException again) {
                    // the last good version fails too: left out
                }
            }
            return new IngressSelection(ref, null, null, previousGood, List.of(IngressSelection.fault(ref, fault, false)),
                    Set.of(), Set.of(), Set.of());
        }
    }

    /**
     * The previous hosts of a kind with the keys built replaced; and hosts not built whose TLS coverage a TLS
     * host that came or went changes, brought up to date.
     */
    private ShardedMap<String, HostRoutes> hosts(Map<String, HostRoutes> previous, TableKey.Kind kind,
            Map<TableKey, HostRoutes> built, Set<TableKey> keys, Map<String, TlsHost> tls) {
        ShardedMap.Editor<String, HostRoutes> hosts = ShardedMap.copyOf(previous).edit();
        for (TableKey key : keys) {
            if (key.kind() == kind) {
                HostRoutes routes = built.get(key);
                if (routes == null) {
                    hosts.remove(key.name());
                } else {
                    hosts.put(key.name(), routes);
                }
            }
        }
        Predicate<String> tlsHosts = name -> TlsHost.named(tls, name);
        for (TableKey key : keys) {
            if (key.kind() != TableKey.Kind.TLS_HOST
                    || TlsHost.named(tls, key.name()) == TlsHost.named(base.tls(), key.name())) {
                continue;
            }
            TableKey covered = HostTableBuilder.coveredHost(key.name());
            if (covered.kind() == kind) {
                recover(hosts, covered, keys, tlsHosts);
            }
            if (kind == TableKey.Kind.EXACT_HOST && key.name().startsWith("*.")) {
                // rare (a wildcard certificate's host came or went): every host under it is looked at
                String suffix = key.name().substring(1);
                for (String host : previous.keySet()) {
                    int dot = host.indexOf('.');
                    if (dot > 0 && host.substring(dot).equals(suffix)) {
                        recover(hosts, new TableKey(TableKey.Kind.EXACT_HOST, host), keys, tlsHosts);
                    }
                }
            }
        }
        return hosts.build();
    }

    /** A host not rebuilt, with whether TLS covers it brought up to date. */
    private static void recover(ShardedMap.Editor<String, HostRoutes> hosts, TableKey key, Set<TableKey> rebuilt,
            Predicate<String> tlsHosts) {
        HostRoutes routes = hosts.get(key.name());
        if (routes != null && !rebuilt.contains(key)) {
            hosts.put(key.name(), routes.withTls(HostTableBuilder.coveredByTls(key, tlsHosts)));
        }
    }

    /** The previous entries with those of the keys of a kind replaced by what was built for them. */
    private static <K, V> ShardedMap<K, V> replaced(Map<K, V> previous, Set<TableKey> keys, TableKey.Kind kind,
            Map<K, V> built, Function<String, K> key) {
        if (built.isEmpty() && keys.stream().noneMatch(changed -> changed.kind() == kind)) {
            // the same map, not an equal one: listeners (certificates) tell that nothing changed by identity
            return ShardedMap.copyOf(previous);
        }
        ShardedMap.Editor<K, V> next = ShardedMap.copyOf(previous).edit();
        for (TableKey changed : keys) {
            if (changed.kind() == kind) {
                next.remove(key.apply(changed.name()));
            }
        }
        built.forEach(next::put);
        return next.build();
    }

    private void index(IngressSelection selection) {
        ObjectRef ref = selection.ref();
        selection.footprint().forEach(key -> add(ingressesByKey, key, ref));
        selection.services().forEach(service -> add(ingressesByService, service, ref));
        selection.objectsRead().forEach(secret -> add(ingressesByObjectRead, secret, ref));
    }

    /** @param unnamed where the Services it named are noted, to forget the backends of those no one names */
    private void unindex(IngressSelection selection, Set<ObjectRef> unnamed) {
        ObjectRef ref = selection.ref();
        selection.footprint().forEach(key -> remove(ingressesByKey, key, ref));
        selection.services().forEach(service -> remove(ingressesByService, service, ref));
        selection.objectsRead().forEach(secret -> remove(ingressesByObjectRead, secret, ref));
        unnamed.addAll(selection.services());
    }

    private static <K> void add(ShardedMap.Editor<K, Set<ObjectRef>> index, K key, ObjectRef ref) {
        Set<ObjectRef> refs = index.get(key);
        index.put(key, refs == null ? Set.of(ref) : with(refs, Set.of(ref)));
    }

    private static <K> void remove(ShardedMap.Editor<K, Set<ObjectRef>> index, K key, ObjectRef ref) {
        Set<ObjectRef> refs = index.get(key);
        if (refs != null) {
            put(index, key, without(refs, ref));
        }
    }

    private static <K, V> void put(ShardedMap.Editor<K, V> map, K key, V value) {
        if (value == null) {
            map.remove(key);
        } else {
            map.put(key, value);
        }
    }

    private static Set<ObjectRef> orNone(Set<ObjectRef> refs) {
        return refs == null ? Set.of() : refs;
    }

    private static <T> Set<T> with(Set<T> set, Set<T> more) {
        Set<T> next = new HashSet<>(set);
        next.addAll(more);
        return next;
    }

    private static <T> Set<T> without(Set<T> set, T element) {
        if (!set.contains(element)) {
            return set;
        }
        Set<T> next = new HashSet<>(set);
        next.remove(element);
        return next.isEmpty() ? null : next;
    }

    private static <T> List<T> with(List<T> list, List<T> more) {
        List<T> next = new ArrayList<>(list);
        next.addAll(more);
        return next;
    }

    private static <T> List<T> without(List<T> list, T element) {
        List<T> next = new ArrayList<>(list);
        next.removeIf(e -> e == element);
        return next.isEmpty() ? null : next;
    }

    /** Every problem, grouped by Ingress in name order. */
    private static List<Problem> allProblems(ShardedMap<ObjectRef, List<Problem>> problems) {
        List<Problem> all = new ArrayList<>();
        problems.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(entry -> all.addAll(entry.getValue()));
        return all;
    }
}

package dev.caravan.compile;

import dev.caravan.routing.Backend;
import dev.caravan.routing.HostRoutes;
import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.RoutingTable;
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

    private final Map<ObjectRef, IngressSelection> selections;
    private final Map<TableKey, Set<ObjectRef>> ingressesByKey;
    private final Map<ObjectRef, Set<ObjectRef>> ingressesByService;
    private final Map<ObjectRef, Set<ObjectRef>> ingressesBySecret;
    private final Map<ObjectRef, List<EndpointSlice>> slicesByService;
    private final Map<ObjectRef, List<Problem>> problems;
    private final BackendCache backends;

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
        this.selections = new HashMap<>(before.selections());
        this.ingressesByKey = new HashMap<>(before.ingressesByKey());
        this.ingressesByService = new HashMap<>(before.ingressesByService());
        this.ingressesBySecret = new HashMap<>(before.ingressesBySecret());
        this.slicesByService = new HashMap<>(before.slicesByService());
        this.problems = new HashMap<>(before.problems());
        this.backends = before.backends().next();
    }

    Compilation run() {
        Set<ObjectRef> dirty = dirtyIngresses();
        Set<TableKey> keys = new HashSet<>();
        Map<ObjectRef, Ingress> lastGood = new HashMap<>(base.lastGood());
        Set<ObjectRef> claimed = new HashSet<>(base.claimed());
        Map<ObjectRef, String> ignored = new HashMap<>(base.ignored());
        Set<ObjectRef> unnamed = new HashSet<>();
        IngressSelection.Selector selector = new IngressSelection.Selector(settings, state);
        for (ObjectRef ref : dirty) {
            IngressSelection old = selections.remove(ref);
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
            IngressSelection selection = selector.select(ingress, previousGood.get(ref), disabled.contains(ref));
            selections.put(ref, selection);
            index(selection);
            keys.addAll(selection.footprint());
            if (selection.claimed()) {
                claimed.add(ref);
            } else {
                ignored.put(ref, selection.ignored());
            }
            if (selection.lastGood() != null) {
                lastGood.put(ref, selection.lastGood());
            }
        }
        for (ObjectRef service : unnamed) {
            if (!ingressesByService.containsKey(service)) {
                // no Ingress names it any more: its backends go with it
                backends.forget(service);
            }
        }
        List<ServedIngress> component = closeOver(keys);

        BackendResolver resolver = new BackendResolver(state, slicesByService, backends);
        HostTableBuilder builder = new HostTableBuilder(resolver, settings.sslPassthrough());
        component.forEach(builder::add);
        Map<String, TlsHost> tls = replaced(base.tls(), keys, TableKey.Kind.TLS_HOST, builder.tls(), name -> name);
        Map<TableKey, HostRoutes> built = builder.hostRoutes(tls::containsKey);
        Map<ObjectRef, ObjectRef> backendTlsSecrets = replaced(base.backendTlsSecrets(), keys,
                TableKey.Kind.BACKEND_TLS_SECRET, builder.backendTlsSecrets(), ObjectRef::toString);
        Map<String, Backend> passthrough = replaced(base.table().passthrough(), keys, TableKey.Kind.PASSTHROUGH_HOST,
                builder.passthrough(), name -> name);
        Backend defaultBackend = settings.defaultBackendService() == null ? null
                : resolver.resolveFirstPort(settings.defaultBackendService()).backend();
        RoutingTable table = new RoutingTable(state.version(), hosts(base.table().exactHosts(), TableKey.Kind.EXACT_HOST,
                built, keys, tls), hosts(base.table().wildcardHosts(), TableKey.Kind.WILDCARD_HOST, built, keys, tls),
                keys.contains(TableKey.ANY_HOST) ? built.get(TableKey.ANY_HOST) : base.table().anyHost(),
                defaultBackend, passthrough);

        Set<ObjectRef> rebuilt = new HashSet<>(dirty);
        component.forEach(served -> rebuilt.add(served.ref()));
        keepProblems(rebuilt, builder.problems());
        CompilerMemory memory = new CompilerMemory(settings, state, disabled, selections, ingressesByKey,
                ingressesByService, ingressesBySecret, problems, slicesByService, backends);
        return new Compilation(table, allProblems(), lastGood, claimed, ignored, tls, backendTlsSecrets, memory);
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
                    slicesByService.computeIfPresent(service, (s, slices) -> without(slices, was));
                    serviceChanged(service, dirty);
                }
            }
            if (now != null) {
                ObjectRef service = BackendResolver.serviceOf(now);
                if (service != null) {
                    slicesByService.merge(service, List.of(now), IncrementalCompilation::with);
                    serviceChanged(service, dirty);
                }
            }
        }
        for (ObjectRef secret : state.changedSince(older, ResourceKind.SECRET)) {
            dirty.addAll(ingressesBySecret.getOrDefault(secret, Set.of()));
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

    private void serviceChanged(ObjectRef service, Set<ObjectRef> dirty) {
        backends.forget(service);
        dirty.addAll(ingressesByService.getOrDefault(service, Set.of()));
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
            for (ObjectRef ref : ingressesByKey.getOrDefault(pending.poll(), Set.of())) {
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

    /**
     * The previous hosts of a kind with the keys built replaced; and hosts not built whose TLS coverage a TLS
     * host that came or went changes, brought up to date.
     */
    private Map<String, HostRoutes> hosts(Map<String, HostRoutes> previous, TableKey.Kind kind,
            Map<TableKey, HostRoutes> built, Set<TableKey> keys, Map<String, TlsHost> tls) {
        Map<String, HostRoutes> hosts = new HashMap<>(previous);
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
        Predicate<String> tlsHosts = tls::containsKey;
        for (TableKey key : keys) {
            if (key.kind() != TableKey.Kind.TLS_HOST || tls.containsKey(key.name()) == base.tls().containsKey(key.name())) {
                continue;
            }
            TableKey covered = HostTableBuilder.coveredHost(key.name());
            if (covered.kind() == kind) {
                recover(hosts, covered, keys, tlsHosts);
            }
            if (kind == TableKey.Kind.EXACT_HOST && key.name().startsWith("*.")) {
                // rare (a wildcard certificate's host came or went): every host under it is looked at
                String suffix = key.name().substring(1);
                for (String host : List.copyOf(hosts.keySet())) {
                    int dot = host.indexOf('.');
                    if (dot > 0 && host.substring(dot).equals(suffix)) {
                        recover(hosts, new TableKey(TableKey.Kind.EXACT_HOST, host), keys, tlsHosts);
                    }
                }
            }
        }
        return hosts;
    }

    /** A host not rebuilt, with whether TLS covers it brought up to date. */
    private static void recover(Map<String, HostRoutes> hosts, TableKey key, Set<TableKey> rebuilt,
            Predicate<String> tlsHosts) {
        HostRoutes routes = hosts.get(key.name());
        if (routes != null && !rebuilt.contains(key)) {
            hosts.put(key.name(), routes.withTls(HostTableBuilder.coveredByTls(key, tlsHosts)));
        }
    }

    /** The previous entries with those of the keys of a kind replaced by what was built for them. */
    private static <K, V> Map<K, V> replaced(Map<K, V> previous, Set<TableKey> keys, TableKey.Kind kind,
            Map<K, V> built, Function<K, String> keyName) {
        Map<K, V> next = new HashMap<>(previous);
        next.keySet().removeIf(k -> keys.contains(new TableKey(kind, keyName.apply(k))));
        next.putAll(built);
        return next;
    }

    private void index(IngressSelection selection) {
        ObjectRef ref = selection.ref();
        selection.footprint().forEach(key -> ingressesByKey.merge(key, Set.of(ref), IncrementalCompilation::with));
        selection.services().forEach(service -> ingressesByService.merge(service, Set.of(ref), IncrementalCompilation::with));
        selection.secrets().forEach(secret -> ingressesBySecret.merge(secret, Set.of(ref), IncrementalCompilation::with));
    }

    /** @param unnamed where the Services it named are noted, to forget the backends of those no one names */
    private void unindex(IngressSelection selection, Set<ObjectRef> unnamed) {
        ObjectRef ref = selection.ref();
        selection.footprint().forEach(key -> ingressesByKey.computeIfPresent(key, (k, refs) -> without(refs, ref)));
        selection.services().forEach(service -> ingressesByService.computeIfPresent(service, (s, refs) -> without(refs, ref)));
        unnamed.addAll(selection.services());
        selection.secrets().forEach(secret -> ingressesBySecret.computeIfPresent(secret, (s, refs) -> without(refs, ref)));
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
    private List<Problem> allProblems() {
        List<Problem> all = new ArrayList<>();
        problems.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(entry -> all.addAll(entry.getValue()));
        return all;
    }
}

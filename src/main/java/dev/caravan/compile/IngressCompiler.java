package dev.caravan.compile;

import dev.caravan.routing.Backend;
import dev.caravan.routing.HostRoutes;
import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.PathRule;
import dev.caravan.routing.PathType;
import dev.caravan.routing.RoutingTable;
import dev.caravan.state.ClusterState;
import dev.caravan.state.ResourceKind;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The pure function at the heart of Caravan: cluster state in, routing table and per-Ingress problems
 * out. No I/O, no clock, no shared state, so every behaviour is a table test.
 *
 * <p>Rules of all our Ingresses are merged per host. Where two Ingresses claim the same host, path and
 * path type for different backends, the older Ingress (creationTimestamp, then namespace/name) wins
 * and the newer one is reported. An invalid Ingress is replaced by its last good version, if any.
 */
public final class IngressCompiler {

    private static final Comparator<Ingress> OLDEST_FIRST = Comparator
            .comparing(IngressCompiler::createdAt)
            .thenComparing(ClusterState::refOf);

    private final ControllerSettings settings;
    private final IngressValidator validator = new IngressValidator();

    public IngressCompiler(ControllerSettings settings) {
        this.settings = settings;
    }

    public Compilation compile(ClusterState state, Compilation previous) {
        List<Problem> problems = new ArrayList<>();
        Map<ObjectRef, Ingress> lastGood = new HashMap<>();
        Set<ObjectRef> claimed = new HashSet<>();
        Map<ObjectRef, String> ignored = new HashMap<>();
        List<Ingress> served = selectIngresses(state, previous.lastGood(), problems, lastGood, claimed, ignored);
        served.sort(OLDEST_FIRST);

        BackendResolver resolver = new BackendResolver(state);
        TableBuilder table = new TableBuilder(resolver, problems);
        for (Ingress ingress : served) {
            table.add(ingress);
        }
        Backend defaultBackend = null;
        if (settings.defaultBackendService() != null) {
            BackendResolver.Resolution resolution = resolver.resolveFirstPort(settings.defaultBackendService());
            defaultBackend = resolution.backend();
        }
        return new Compilation(table.build(state.version(), defaultBackend), problems, lastGood, claimed, ignored);
    }

    /** Our Ingresses as they will be served: valid ones as they are, invalid ones by their last good version. */
    private List<Ingress> selectIngresses(ClusterState state, Map<ObjectRef, Ingress> previousGood,
            List<Problem> problems, Map<ObjectRef, Ingress> lastGood, Set<ObjectRef> claimed,
            Map<ObjectRef, String> ignored) {
        IngressClassMatcher classes = new IngressClassMatcher(settings, state);
        List<Ingress> served = new ArrayList<>();
        for (Ingress ingress : state.<Ingress>all(ResourceKind.INGRESS)) {
            ObjectRef ref = ClusterState.refOf(ingress);
            String notOurs = classes.whyNotOurs(ingress);
            if (notOurs != null) {
                ignored.put(ref, notOurs);
                continue;
            }
            claimed.add(ref);
            List<String> reasons = validator.validate(ingress);
            if (reasons.isEmpty()) {
                served.add(ingress);
                lastGood.put(ref, ingress);
                continue;
            }
            Ingress good = previousGood.get(ref);
            String fallback = good != null ? " (serving its last valid version)" : " (not served)";
            problems.add(Problem.invalid(ref, Problem.INVALID_INGRESS, String.join("; ", reasons) + fallback));
            if (good != null) {
                served.add(good);
                lastGood.put(ref, good);
            }
        }
        return served;
    }

    private static Instant createdAt(Ingress ingress) {
        String timestamp = ingress.getMetadata().getCreationTimestamp();
        if (timestamp == null || timestamp.isEmpty()) {
            return Instant.EPOCH;
        }
        try {
            return Instant.parse(timestamp);
        } catch (DateTimeParseException unparsable) {
            return Instant.EPOCH;
        }
    }

    /** Merges Ingresses, oldest first, into host routes. */
    private static final class TableBuilder {

        private record PathKey(PathType type, String matchPath) {
        }

        private static final class HostEntry {
            final Map<PathKey, PathRule> rules = new LinkedHashMap<>();
            Backend defaultBackend;
            ObjectRef defaultBackendOwner;
        }

        private final BackendResolver resolver;
        private final List<Problem> problems;
        private final Map<String, HostEntry> exact = new HashMap<>();
        private final Map<String, HostEntry> wildcard = new HashMap<>();
        private HostEntry anyHost;

        TableBuilder(BackendResolver resolver, List<Problem> problems) {
            this.resolver = resolver;
            this.problems = problems;
        }

        void add(Ingress ingress) {
            ObjectRef ref = ClusterState.refOf(ingress);
            List<IngressRule> rules = ingress.getSpec().getRules() == null ? List.of() : ingress.getSpec().getRules();
            List<HostEntry> namedHosts = new ArrayList<>();
            boolean servesAnyHost = rules.isEmpty();
            for (IngressRule rule : rules) {
                String host = rule.getHost();
                HostEntry entry = entryFor(host);
                if (host == null || host.isEmpty()) {
                    servesAnyHost = true;
                } else if (!namedHosts.contains(entry)) {
                    namedHosts.add(entry);
                }
                if (rule.getHttp() != null) {
                    for (HTTPIngressPath path : rule.getHttp().getPaths()) {
                        addPath(entry, host, path, ref);
                    }
                }
            }
            IngressBackend defaultBackend = ingress.getSpec().getDefaultBackend();
            if (defaultBackend != null) {
                Backend backend = resolve(ref, defaultBackend);
                if (servesAnyHost) {
                    setDefault(entryFor(null), backend, ref, "every host");
                }
                for (HostEntry entry : namedHosts) {
                    setDefault(entry, backend, ref, "its hosts");
                }
            }
        }

        private HostEntry entryFor(String host) {
            if (host == null || host.isEmpty()) {
                if (anyHost == null) {
                    anyHost = new HostEntry();
                }
                return anyHost;
            }
            if (host.startsWith("*.")) {
                return wildcard.computeIfAbsent(host.substring(2), h -> new HostEntry());
            }
            return exact.computeIfAbsent(RoutingTable.normalizeHost(host), h -> new HostEntry());
        }

        private void addPath(HostEntry entry, String host, HTTPIngressPath path, ObjectRef ref) {
            PathType type = PathType.fromApiName(path.getPathType());
            Backend backend = resolve(ref, path.getBackend());
            PathRule rule = new PathRule(type, path.getPath(), backend, ref);
            PathRule existing = entry.rules.putIfAbsent(new PathKey(type, rule.matchPath()), rule);
            if (existing != null && !existing.backend().name().equals(backend.name())) {
                problems.add(Problem.warning(ref, Problem.CONFLICT, "path " + path.getPath() + " (" + type.apiName() + ") on "
                        + describeHost(host) + " is already served by Ingress " + existing.ingress()
                        + ", which is older; this path is ignored"));
            }
        }

        private void setDefault(HostEntry entry, Backend backend, ObjectRef ref, String scope) {
            if (entry.defaultBackend == null) {
                entry.defaultBackend = backend;
                entry.defaultBackendOwner = ref;
            } else if (!entry.defaultBackend.name().equals(backend.name())) {
                problems.add(Problem.warning(ref, Problem.CONFLICT, "defaultBackend for " + scope + " is already set by Ingress "
                        + entry.defaultBackendOwner + ", which is older; it is ignored there"));
            }
        }

        private Backend resolve(ObjectRef ref, IngressBackend backend) {
            BackendResolver.Resolution resolution = resolver.resolve(ref.namespace(), backend.getService());
            if (resolution.problem() != null) {
                problems.add(Problem.warning(ref, resolution.reason(), resolution.problem() + "; requests for it get 503"));
            }
            return resolution.backend();
        }

        private static String describeHost(String host) {
            return host == null || host.isEmpty() ? "every host" : "host " + host;
        }

        RoutingTable build(long version, Backend defaultBackend) {
            return new RoutingTable(version, routes(exact), routes(wildcard),
                    anyHost == null ? null : routes(anyHost), defaultBackend);
        }

        private static Map<String, HostRoutes> routes(Map<String, HostEntry> entries) {
            Map<String, HostRoutes> routes = new HashMap<>();
            entries.forEach((host, entry) -> routes.put(host, routes(entry)));
            return routes;
        }

        private static HostRoutes routes(HostEntry entry) {
            return new HostRoutes(new ArrayList<>(entry.rules.values()), entry.defaultBackend);
        }
    }
}

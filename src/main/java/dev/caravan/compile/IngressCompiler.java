package dev.caravan.compile;

import dev.caravan.auth.BasicCredentials;
import dev.caravan.compile.annotation.AnnotationCatalog;
import dev.caravan.compile.annotation.AnnotationFinding;
import dev.caravan.compile.annotation.AnnotationParser;
import dev.caravan.routing.Backend;
import dev.caravan.routing.Canary;
import dev.caravan.routing.HostRoutes;
import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.PathRule;
import dev.caravan.routing.PathType;
import dev.caravan.routing.RoutePolicy;
import dev.caravan.routing.RoutingTable;
import dev.caravan.state.ClusterState;
import dev.caravan.state.ResourceKind;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.IngressTLS;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The pure function at the heart of Caravan: cluster state in, routing table and per-Ingress problems
 * out. No I/O, no clock, no shared state, so every behaviour is a table test.
 *
 * <p>Rules of all our Ingresses are merged per host. Where two Ingresses claim the same host, path and
 * path type for different backends, the older Ingress (creationTimestamp, then namespace/name) wins
 * and the newer one is reported. An invalid Ingress is replaced by its last good version, if any.
 */
public final class IngressCompiler {

    private static final Comparator<Served> OLDEST_FIRST = Comparator.comparing(Served::created)
            .thenComparing(Served::ref);

    /**
     * An Ingress as it will be served, with its annotations parsed, and what it is sorted by read once: a
     * comparator parsing timestamps took 40 % of a compilation at 10,000 Ingresses (bench/scale).
     */
    private record Served(Ingress ingress, RoutePolicy policy, Instant created, ObjectRef ref) {

        Served(Ingress ingress, RoutePolicy policy) {
            this(ingress, policy, createdAt(ingress), ClusterState.refOf(ingress));
        }
    }

    private final ControllerSettings settings;
    private final IngressValidator validator = new IngressValidator();

    public IngressCompiler(ControllerSettings settings) {
        this.settings = settings;
    }

    public Compilation compile(ClusterState state, Compilation previous) {
        return compile(state, previous, Set.of());
    }

    /** @param disabled Ingresses an operator took out of service: claimed, not served */
    public Compilation compile(ClusterState state, Compilation previous, Set<ObjectRef> disabled) {
        List<Problem> problems = new ArrayList<>();
        Map<ObjectRef, Ingress> lastGood = new HashMap<>();
        Set<ObjectRef> claimed = new HashSet<>();
        Map<ObjectRef, String> ignored = new HashMap<>();
        List<Served> served = selectIngresses(state, previous.lastGood(), problems, lastGood, claimed, ignored,
                disabled);
        served.sort(OLDEST_FIRST);

        BackendResolver resolver = new BackendResolver(state);
        TableBuilder table = new TableBuilder(resolver, problems, settings.sslPassthrough());
        Map<String, TlsHost> tls = new HashMap<>();
        Map<ObjectRef, ObjectRef> backendTlsSecrets = new HashMap<>();
        for (Served ingress : served) {
            table.add(ingress.ingress(), ingress.policy());
            addTlsHosts(ingress.ingress(), tls, problems);
            if (ingress.policy().proxySsl() != null && ingress.policy().proxySsl().secret() != null) {
                backendTlsSecrets.putIfAbsent(ingress.policy().proxySsl().secret(), ClusterState.refOf(ingress.ingress()));
            }
        }
        Backend defaultBackend = null;
        if (settings.defaultBackendService() != null) {
            BackendResolver.Resolution resolution = resolver.resolveFirstPort(settings.defaultBackendService());
            defaultBackend = resolution.backend();
        }
        return new Compilation(table.build(state.version(), defaultBackend, tls), problems, lastGood, claimed,
                ignored, tls, backendTlsSecrets);
    }

    /** The hosts of {@code spec.tls}; an older Ingress's Secret for a host wins over a newer one's. */
    private static void addTlsHosts(Ingress ingress, Map<String, TlsHost> tls, List<Problem> problems) {
        if (ingress.getSpec().getTls() == null) {
            return;
        }
        ObjectRef ref = ClusterState.refOf(ingress);
        for (IngressTLS entry : ingress.getSpec().getTls()) {
            String secretName = entry.getSecretName();
            ObjectRef secret = secretName == null || secretName.isEmpty() ? null
                    : new ObjectRef(ref.namespace(), secretName);
            for (String host : entry.getHosts() == null ? List.<String>of() : entry.getHosts()) {
                if (host == null || host.isEmpty()) {
                    continue;
                }
                String name = RoutingTable.normalizeHost(host);
                TlsHost existing = tls.putIfAbsent(name, new TlsHost(name, secret, ref));
                if (existing != null && !Objects.equals(existing.secret(), secret)) {
                    problems.add(Problem.warning(ref, Problem.CONFLICT, "TLS for host " + name + " already comes from "
                            + (existing.secret() == null ? "the default certificate" : "Secret " + existing.secret())
                            + " of Ingress " + existing.ingress() + ", which is older; Secret " + secretName
                            + " is not used for it"));
                }
            }
        }
    }

    /** Our Ingresses as they will be served: valid ones as they are, invalid ones by their last good version. */
    private List<Served> selectIngresses(ClusterState state, Map<ObjectRef, Ingress> previousGood,
            List<Problem> problems, Map<ObjectRef, Ingress> lastGood, Set<ObjectRef> claimed,
            Map<ObjectRef, String> ignored, Set<ObjectRef> disabled) {
        IngressClassMatcher classes = new IngressClassMatcher(settings, state);
        List<Served> served = new ArrayList<>();
        for (Ingress ingress : state.<Ingress>all(ResourceKind.INGRESS)) {
            ObjectRef ref = ClusterState.refOf(ingress);
            String notOurs = classes.whyNotOurs(ingress);
            if (notOurs != null) {
                ignored.put(ref, notOurs);
                continue;
            }
            claimed.add(ref);
            if (disabled.contains(ref)) {
                problems.add(Problem.warning(ref, Problem.DISABLED, "taken out of service by an operator; not served"));
                Ingress good = previousGood.get(ref);
                if (good != null) {
                    lastGood.put(ref, good);
                }
                continue;
            }
            AnnotationParser.Parsed annotations = AnnotationParser.parse(ingress.getMetadata().getAnnotations(),
                    ref.namespace());
            reportUnsupported(ref, annotations, problems);
            List<String> reasons = validator.validate(ingress);
            String reason = Problem.INVALID_INGRESS;
            if (reasons.isEmpty() && annotations.blocked()) {
                annotations.findings().stream().filter(AnnotationFinding::blocking)
                        .forEach(finding -> reasons.add(finding.toString()));
                reason = annotations.findings().stream().anyMatch(f -> f.kind() == AnnotationFinding.Kind.REFUSED)
                        ? Problem.REFUSED_ANNOTATION : Problem.INVALID_ANNOTATION;
            }
            RoutePolicy policy = annotations.policy();
            if (reasons.isEmpty() && policy.basicAuth() != null) {
                try {
                    policy = withUsers(policy, state);
                } catch (IllegalArgumentException e) {
                    reasons.add(e.getMessage());
                    reason = Problem.INVALID_ANNOTATION;
                }
            }
            if (reasons.isEmpty()) {
                served.add(new Served(ingress, policy));
                lastGood.put(ref, ingress);
                continue;
            }
            Ingress good = previousGood.get(ref);
            RoutePolicy goodPolicy = null;
            if (good != null) {
                try {
                    goodPolicy = withUsers(AnnotationParser.parse(good.getMetadata().getAnnotations(),
                            ref.namespace()).policy(), state);
                } catch (IllegalArgumentException usersGone) {
                    // its users cannot be read either: not served, rather than served unprotected
                    good = null;
                }
            }
            String fallback = good != null ? " (serving its last valid version)" : " (not served)";
            problems.add(Problem.invalid(ref, reason, String.join("; ", reasons) + fallback));
            if (good != null) {
                served.add(new Served(good, goodPolicy));
                lastGood.put(ref, good);
            }
        }
        return served;
    }

    /**
     * The policy with the users of its auth-secret read from the state.
     *
     * @throws IllegalArgumentException naming the Secret and what is wrong with it
     */
    private static RoutePolicy withUsers(RoutePolicy policy, ClusterState state) {
        RoutePolicy.BasicAuth auth = policy.basicAuth();
        if (auth == null) {
            return policy;
        }
        Secret secret = state.get(ResourceKind.SECRET, auth.secret());
        if (secret == null) {
            throw new IllegalArgumentException(AnnotationCatalog.PREFIX + "auth-secret: Secret " + auth.secret()
                    + " does not exist");
        }
        try {
            return policy.withBasicAuth(auth.withCredentials(BasicCredentials.fromSecret(secret, auth.map())));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(AnnotationCatalog.PREFIX + "auth-secret: Secret " + auth.secret() + " "
                    + e.getMessage());
        }
    }

    private static void reportUnsupported(ObjectRef ref, AnnotationParser.Parsed annotations, List<Problem> problems) {
        List<String> unsupported = annotations.findings().stream()
                .filter(f -> f.kind() == AnnotationFinding.Kind.UNSUPPORTED).map(AnnotationFinding::annotation).toList();
        if (!unsupported.isEmpty()) {
            problems.add(Problem.warning(ref, Problem.UNSUPPORTED_ANNOTATION,
                    "not applied (Caravan does not support them yet): " + String.join(", ", unsupported)));
        }
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
            boolean regexMode;
            String appRoot;
            Backend defaultBackend;
            ObjectRef defaultBackendOwner;
        }

        private final BackendResolver resolver;
        private final List<Problem> problems;
        private record PendingCanary(HostEntry entry, String host, PathRule path, Canary canary) {
        }

        private final List<PendingCanary> canaries = new ArrayList<>();
        private final Map<String, HostEntry> exact = new HashMap<>();
        private final Map<String, Backend> passthrough = new HashMap<>();
        private final boolean passthroughEnabled;
        private final Map<String, HostEntry> wildcard = new HashMap<>();
        private HostEntry anyHost;

        TableBuilder(BackendResolver resolver, List<Problem> problems, boolean passthroughEnabled) {
            this.resolver = resolver;
            this.problems = problems;
            this.passthroughEnabled = passthroughEnabled;
        }

        void add(Ingress ingress, RoutePolicy policy) {
            ObjectRef ref = ClusterState.refOf(ingress);
            if (policy.sslPassthrough()) {
                addPassthrough(ingress, ref);
            }
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
                        addPath(entry, host, path, ref, policy);
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

        /**
         * ssl-passthrough, as ingress-nginx: each host of the Ingress relays its TLS connections to the
         * backend of the host's first path (paths cannot be seen in an encrypted stream).
         */
        private void addPassthrough(Ingress ingress, ObjectRef ref) {
            if (!passthroughEnabled) {
                problems.add(Problem.warning(ref, Problem.UNSUPPORTED_ANNOTATION, AnnotationCatalog.PREFIX
                        + "ssl-passthrough needs --enable-ssl-passthrough; TLS for its hosts is terminated here"));
                return;
            }
            for (IngressRule rule : ingress.getSpec().getRules() == null ? List.<IngressRule>of()
                    : ingress.getSpec().getRules()) {
                String host = rule.getHost();
                if (host == null || host.isEmpty() || host.startsWith("*.") || rule.getHttp() == null
                        || rule.getHttp().getPaths().isEmpty()) {
                    continue;
                }
                Backend backend = resolve(ref, rule.getHttp().getPaths().get(0).getBackend());
                Backend existing = passthrough.putIfAbsent(RoutingTable.normalizeHost(host), backend);
                if (existing != null && !existing.name().equals(backend.name())) {
                    problems.add(Problem.warning(ref, Problem.CONFLICT, "ssl-passthrough for host " + host
                            + " already goes to " + existing.name() + " of an older Ingress; ignored here"));
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

        private void addPath(HostEntry entry, String host, HTTPIngressPath path, ObjectRef ref, RoutePolicy policy) {
            PathType type = PathType.fromApiName(path.getPathType());
            Backend backend = resolve(ref, path.getBackend(), policy);
            if (policy.canary() != null) {
                // a canary takes a share of a main rule's traffic once all Ingresses are in
                RoutePolicy.CanaryRule c = policy.canary();
                canaries.add(new PendingCanary(entry, host, new PathRule(type, path.getPath(), backend, ref),
                        new Canary(backend, ref, c.header(), c.headerValue(), c.headerPattern(), c.cookie(),
                                c.weight(), c.weightTotal())));
                return;
            }
            PathRule rule = new PathRule(type, path.getPath(), backend, ref, policy, null, fallback(ref, policy),
                    null);
            // as ingress-nginx: use-regex, or a rewrite-target that differs from the path, makes the host's paths regexes
            entry.regexMode |= policy.regexPaths() || rule.rewrites();
            if (policy.appRoot() != null && entry.appRoot == null) {
                entry.appRoot = policy.appRoot();
            }
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
            return resolve(ref, backend, RoutePolicy.NONE);
        }

        /** The default-backend annotation's Service (its first port), or {@code null}. */
        private Backend fallback(ObjectRef ref, RoutePolicy policy) {
            if (policy.defaultBackend() == null) {
                return null;
            }
            BackendResolver.Resolution resolution = resolver.resolveFirstPort(
                    new ObjectRef(ref.namespace(), policy.defaultBackend()));
            return warnIfUnresolved(ref, resolution, "");
        }

        /** The backend of a path under its Ingress's policy (service-upstream, load-balance). */
        private Backend resolve(ObjectRef ref, IngressBackend backend, RoutePolicy policy) {
            if (backend.getResource() != null) {
                // a user's Camel route; whether it exists is known when a request comes (routes reload)
                return Backend.camelRoute(ref.namespace(), backend.getResource().getName());
            }
            BackendResolver.Resolution resolution = policy.serviceUpstream()
                    ? resolver.resolveClusterIp(ref.namespace(), backend.getService())
                    : resolver.resolve(ref.namespace(), backend.getService(), policy.ewma());
            return warnIfUnresolved(ref, resolution, "; requests for it get 503");
        }

        /** The resolved backend, with a warning on the Ingress when it cannot have endpoints as written. */
        private Backend warnIfUnresolved(ObjectRef ref, BackendResolver.Resolution resolution, String consequence) {
            if (resolution.problem() != null) {
                problems.add(Problem.warning(ref, resolution.reason(), resolution.problem() + consequence));
            }
            return resolution.backend();
        }

        private static String describeHost(String host) {
            return host == null || host.isEmpty() ? "every host" : "host " + host;
        }

        /** Attaches each canary to the main rule of its host and path (one canary per rule, oldest first). */
        private void attachCanaries() {
            for (PendingCanary pending : canaries) {
                PathKey key = new PathKey(pending.path().type(), pending.path().matchPath());
                PathRule main = pending.entry().rules.get(key);
                if (main == null) {
                    problems.add(Problem.warning(pending.canary().ingress(), Problem.CANARY_WITHOUT_MAIN, "canary path "
                            + pending.path().path() + " on " + describeHost(pending.host())
                            + " has no main Ingress serving it; it is not served"));
                } else if (main.canary() != null) {
                    problems.add(Problem.warning(pending.canary().ingress(), Problem.CONFLICT, "path "
                            + pending.path().path() + " on " + describeHost(pending.host()) + " already has canary "
                            + main.canary().ingress() + "; this canary is ignored"));
                } else {
                    pending.entry().rules.put(key, main.withCanary(pending.canary()));
                }
            }
        }

        RoutingTable build(long version, Backend defaultBackend, Map<String, TlsHost> tls) {
            attachCanaries();
            return new RoutingTable(version, routes(exact, "", tls), routes(wildcard, "*.", tls),
                    anyHost == null ? null : routes(anyHost, false), defaultBackend, passthrough);
        }

        private static Map<String, HostRoutes> routes(Map<String, HostEntry> entries, String prefix,
                Map<String, TlsHost> tls) {
            Map<String, HostRoutes> routes = new HashMap<>();
            entries.forEach((host, entry) -> routes.put(host, routes(entry, coveredByTls(prefix + host, tls))));
            return routes;
        }

        /** Whether a TLS host names this rule host, or a wildcard TLS host covers it. */
        private static boolean coveredByTls(String host, Map<String, TlsHost> tls) {
            if (tls.containsKey(host)) {
                return true;
            }
            int dot = host.indexOf('.');
            return !host.startsWith("*.") && dot > 0 && tls.containsKey("*" + host.substring(dot));
        }

        private static HostRoutes routes(HostEntry entry, boolean tls) {
            List<PathRule> rules = new ArrayList<>(entry.rules.values());
            if (entry.regexMode) {
                // as ingress-nginx: one Ingress with regex paths makes every path of the host a regex, Exact ones too
                rules.replaceAll(rule -> rule.asRegex(regexOf(rule)));
            }
            return new HostRoutes(rules, entry.defaultBackend, entry.appRoot, tls);
        }

        /** The path as ingress-nginx's {@code location ~* "^path"}; a path that is no regex is taken literally. */
        private static Pattern regexOf(PathRule rule) {
            try {
                return Pattern.compile("^" + rule.path(), Pattern.CASE_INSENSITIVE);
            } catch (PatternSyntaxException notARegex) {
                return Pattern.compile("^" + Pattern.quote(rule.path()), Pattern.CASE_INSENSITIVE);
            }
        }
    }
}

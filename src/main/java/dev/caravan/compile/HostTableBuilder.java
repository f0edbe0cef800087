package dev.caravan.compile;

import dev.caravan.compile.annotation.AnnotationCatalog;
import dev.caravan.routing.Backend;
import dev.caravan.routing.Canary;
import dev.caravan.routing.HostRoutes;
import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.PathRegex;
import dev.caravan.routing.PathRule;
import dev.caravan.routing.PathType;
import dev.caravan.routing.RoutePolicy;
import dev.caravan.routing.RoutingTable;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.IngressTLS;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Merges Ingresses, added oldest first, into what they make of each {@link TableKey} they touch: host
 * routes, TLS hosts, passthrough hosts and {@code proxy-ssl-secret} owners, with the problems found. Given
 * every Ingress touching a set of keys, what it makes of those keys is exact, whatever the other Ingresses
 * are: that is what lets the compiler rebuild only the keys a change touched.
 */
final class HostTableBuilder {

    /** Where two Ingresses claim one thing, why the other's claim stands: {@link ServedIngress#OLDEST_FIRST}. */
    private static final String COMES_FIRST = "which comes first (older, or as old and after it by namespace/name, as"
            + " ingress-nginx orders Ingresses)";

    private record PathKey(PathType type, String keyPath) {
    }

    private static final class HostEntry {
        final Map<PathKey, PathRule> rules = new LinkedHashMap<>();
        boolean regexMode;
        String appRoot;
        Backend defaultBackend;
        PathRule defaultRule;
        ObjectRef defaultBackendOwner;
        /** The oldest Ingress naming the host, as the stand-in of the table's default backend where none serves. */
        PathRule oldest;
        RoutePolicy.ClientCertificates clientCertificates;
        ObjectRef clientCertificatesOwner;

        /**
         * Whether only canaries name the host: as ingress-nginx, which makes no server of it, the host's requests go
         * where a host no rule names goes (the rules without a host), not to a host of no rules.
         */
        boolean unclaimed() {
            return rules.isEmpty() && oldest == null && defaultRule == null && clientCertificates == null
                    && appRoot == null;
        }
    }

    private record PendingCanary(HostEntry entry, String host, PathRule path, Canary canary) {
    }

    /**
     * A {@code server-alias}: {@code name} also serves what {@code host} serves; or, with {@code redirect}, a
     * {@code from-to-www-redirect}: {@code name} sends every request to {@code host}.
     */
    private record Alias(ObjectRef ingress, String name, String host, boolean redirect) {
    }

    private final BackendResolver resolver;
    private final boolean passthroughEnabled;
    private final List<Problem> problems = new ArrayList<>();
    private final List<PendingCanary> canaries = new ArrayList<>();
    private final List<Alias> aliases = new ArrayList<>();
    /** The Ingress whose aliases each aliased host has. */
    private final Map<String, ObjectRef> aliasedHosts = new HashMap<>();
    private final Map<TableKey, HostEntry> hosts = new HashMap<>();
    private final Map<String, Backend> passthrough = new HashMap<>();
    private final Map<String, TlsHost> tls = new HashMap<>();
    private final Map<ObjectRef, ObjectRef> backendTlsSecrets = new HashMap<>();
    private final List<String> noAuthLocations;

    /** @param noAuthLocations the path prefixes where no auth-url is asked ({@code --no-auth-locations}) */
    HostTableBuilder(BackendResolver resolver, boolean passthroughEnabled, List<String> noAuthLocations) {
        this.resolver = resolver;
        this.passthroughEnabled = passthroughEnabled;
        this.noAuthLocations = noAuthLocations;
    }

    /**
     * What ingress-nginx leaves out of the catch-all an Ingress without rules makes of its defaultBackend
     * ({@link RoutePolicy#defaultLocation(boolean)}): said, as ingress-nginx applies them nowhere without a word.
     */
    private static final List<String> NOT_ON_CATCH_ALL = List.of("rewrite-target", "use-regex", "app-root",
            "x-forwarded-prefix", "affinity", "permanent-redirect", "temporal-redirect", "ssl-redirect",
            "force-ssl-redirect");

    private void warnUnappliedOnCatchAll(ServedIngress served, boolean ruleless) {
        Map<String, String> annotations = served.ingress().getMetadata().getAnnotations();
        if (!ruleless || annotations == null) {
            return;
        }
        List<String> unapplied = NOT_ON_CATCH_ALL.stream()
                .filter(name -> isSet(annotations.get(AnnotationCatalog.PREFIX + name))).toList();
        if (!unapplied.isEmpty()) {
            problems.add(Problem.warning(served.ref(), Problem.IGNORED_ANNOTATION, "not applied: "
                    + String.join(", ", unapplied) + " (the Ingress has no rules, and its defaultBackend serving every"
                    + " host's unmatched paths takes none of them, as ingress-nginx's); name a host or path to apply"
                    + " them"));
        }
    }

    /** Whether an annotation asks for something: present, and not the "false" of a flag. */
    private static boolean isSet(String value) {
        return value != null && !value.isBlank() && !"false".equalsIgnoreCase(value.trim());
    }

    /** Adds an Ingress; call in {@link ServedIngress#OLDEST_FIRST} order. */
    void add(ServedIngress served) {
        ObjectRef ref = served.ref();
        RoutePolicy policy = served.policy();
        // a denied Ingress keeps what it claims (paths answered 503, passthrough hosts and default backends with no
        // pod), so that nothing of it reaches its pods, and no other Ingress takes its requests
        // as ingress-nginx, a canary makes nothing of a host (no server, certificate, alias or passthrough): it only
        // takes a share of its main Ingress's paths
        boolean canary = policy.canary() != null;
        if (policy.sslPassthrough() && !canary) {
            addPassthrough(served);
        }
        List<IngressRule> rules = served.rules();
        Map<HostEntry, String> namedHosts = new LinkedHashMap<>();
        boolean servesAnyHost = rules.isEmpty();
        if (rules.isEmpty() && policy.clientCertificates() != null && policy.canary() == null) {
            // a default backend for every host cannot ask every host for certificates, nor be served without them
            problems.add(Problem.warning(ref, Problem.CONFLICT, "auth-tls cannot protect a defaultBackend for every"
                    + " host (an Ingress without rules); it is not served"));
            servesAnyHost = false;
        }
        for (IngressRule rule : rules) {
            String host = rule.getHost();
            HostEntry entry = entryFor(host);
            // a host's certificates hold for its default backend too, so a rule without paths counts as well; a denied
            // Ingress's paths stay whatever the host asks, as they answer 503 to all
            if (!clientCertificatesAgree(entry, host, ref, policy) && !policy.denied()) {
                continue;
            }
            if (host == null || host.isEmpty()) {
                servesAnyHost = true;
            } else if (!namedHosts.containsKey(entry)) {
                namedHosts.put(entry, host);
                if (entry.oldest == null && !canary) {
                    // as ingress-nginx: the host's default location is the first Ingress's to name it
                    entry.oldest = new PathRule(PathType.PREFIX, "/", Backend.TABLE_DEFAULT, ref,
                            policy.globalDefaultLocation(), null, null, null);
                } else if (entry.defaultRule != null && !canary && !policy.denied()
                        && policy.restrictsAccess() && !entry.defaultRule.policy().restrictsAccess()
                        && !entry.defaultRule.policy().denied()) {
                    problems.add(Problem.warning(ref, Problem.CONFLICT, "host " + host + "'s paths no rule matches go"
                            + " to the defaultBackend of Ingress " + entry.defaultRule.ingress() + ", " + COMES_FIRST + " and"
                            + " keeps no one out: this Ingress's authentication and source ranges do not hold there"));
                }
            }
            if (rule.getHttp() != null) {
                for (HTTPIngressPath path : rule.getHttp().getPaths()) {
                    String foreign = IngressValidator.foreignResource(path.getBackend());
                    if (foreign != null) {
                        problems.add(Problem.warning(ref, Problem.BACKEND_NOT_FOUND, "path " + path.getPath()
                                + " on " + describeHost(host) + ": " + foreign));
                        continue;
                    }
                    addPath(entry, host, path, ref, policy);
                }
            }
        }
        IngressBackend defaultBackend = served.ingress().getSpec().getDefaultBackend();
        String foreign = IngressValidator.foreignResource(defaultBackend);
        if (foreign != null) {
            problems.add(Problem.warning(ref, Problem.BACKEND_NOT_FOUND, "defaultBackend: " + foreign));
            defaultBackend = null;
        }
        // as ingress-nginx: a canary's defaultBackend is no host's default
        if (defaultBackend != null && !canary) {
            Backend backend = policy.denied() ? denied(ref) : resolve(ref, defaultBackend, policy);
            // the Ingress's annotations hold there too, as on ingress-nginx's default location
            Backend fallback = policy.denied() ? null : fallback(ref, policy);
            if (servesAnyHost) {
                warnUnappliedOnCatchAll(served, rules.isEmpty());
                PathRule standIn = new PathRule(PathType.PREFIX, "/", backend, ref, policy.defaultLocation(false), null,
                        fallback, null);
                setDefault(entryFor(null), standIn, ref, "every host");
                String hostless = hostlessAuthUrl(null, standIn.policy());
                if (hostless != null) {
                    problems.add(Problem.warning(ref, Problem.INVALID_ANNOTATION, "defaultBackend: " + hostless));
                }
            }
            PathRule standIn = new PathRule(PathType.PREFIX, "/", backend, ref, policy.defaultLocation(true), null,
                    fallback, null);
            namedHosts.forEach((entry, host) -> {
                if (entry.oldest != null && !entry.oldest.ingress().equals(ref)) {
                    // as ingress-nginx: a host's default location is its oldest Ingress's, whoever has a defaultBackend
                    problems.add(Problem.warning(ref, Problem.CONFLICT, "defaultBackend does not serve host " + host
                            + ": its paths no rule matches are Ingress " + entry.oldest.ingress() + "'s, " + COMES_FIRST
                            + " and names it too"));
                } else {
                    setDefault(entry, standIn, ref, "host " + host);
                }
            });
        }
        if (!canary) {
            addTlsHosts(served);
        }
        String aliased = canary ? null : served.aliasedHost();
        boolean aliasesTaken = aliased != null && aliasedHosts.putIfAbsent(aliased, ref) != null;
        if (aliasesTaken) {
            // as ingress-nginx: a host's aliases are the oldest Ingress's
            problems.add(Problem.warning(ref, Problem.CONFLICT, AnnotationCatalog.PREFIX + "server-alias: host "
                    + aliased + " already has the aliases of Ingress " + aliasedHosts.get(aliased)
                    + ", " + COMES_FIRST + "; these are ignored"));
        }
        for (ServedIngress.ExtraName extra : served.extraNames()) {
            if (extra.redirect() || !aliasesTaken) {
                aliases.add(new Alias(ref, extra.name(), extra.host(), extra.redirect()));
            }
        }
        if (aliased == null && !canary && !policy.serverAliases().isEmpty()) {
            problems.add(Problem.warning(ref, Problem.CONFLICT, AnnotationCatalog.PREFIX + "server-alias names more"
                    + " names for the Ingress's first host, and it has no rule with a host; ignored"));
        }
        if (policy.proxySsl() != null && policy.proxySsl().secret() != null) {
            backendTlsSecrets.putIfAbsent(policy.proxySsl().secret(), ref);
        }
    }

    /** The problems found, each naming its Ingress. */
    List<Problem> problems() {
        return problems;
    }

    /**
     * The TLS hosts of the Ingresses added, by name; an older Ingress's Secret for a host wins. An alias without
     * its own takes its host's, as it is one more name of the same nginx server.
     */
    Map<String, TlsHost> tls() {
        for (Alias alias : aliases) {
            if (!tls.containsKey(alias.name()) && !claimed(ServedIngress.hostKey(alias.name()))) {
                TlsHost host = namedTls(alias.host());
                if (host != null) {
                    tls.put(alias.name(), new TlsHost(alias.name(), host.secret(), host.ingress(), true));
                }
            }
        }
        return tls;
    }

    /** The spec.tls entry of {@code host}, by its name or the wildcard covering it; {@code null} without one. */
    private TlsHost namedTls(String host) {
        if (TlsHost.named(tls, host)) {
            return tls.get(host);
        }
        return TlsHost.named(tls, coveringWildcard(host)) ? tls.get(coveringWildcard(host)) : null;
    }

    /** The wildcard TLS name that covers {@code host}: {@code *.example.com} for {@code www.example.com}. */
    static String coveringWildcard(String host) {
        int dot = host.indexOf('.');
        return dot > 0 ? "*" + host.substring(dot) : "*." + host;
    }

    Map<String, Backend> passthrough() {
        return passthrough;
    }

    Map<ObjectRef, ObjectRef> backendTlsSecrets() {
        return backendTlsSecrets;
    }

    /**
     * The routes of every host the Ingresses added touch, by key, their canaries attached.
     *
     * @param tlsHosts whether a name is a host of {@code spec.tls}, among all Ingresses, not only those added
     */
    Map<TableKey, HostRoutes> hostRoutes(Predicate<String> tlsHosts) {
        attachCanaries();
        Map<TableKey, HostRoutes> routes = new HashMap<>();
        hosts.forEach((key, entry) -> {
            if (!entry.unclaimed()) {
                routes.put(key, routes(key, entry, coveredByTls(key, tlsHosts)));
            }
        });
        for (Alias alias : aliases) {
            TableKey key = ServedIngress.hostKey(alias.name());
            String what = alias.redirect() ? "from-to-www-redirect of " + alias.host() + ": " + alias.name()
                    : "server-alias " + alias.name();
            if (claimed(key)) {
                // as ingress-nginx: a name that is a host of its own is no alias, and is not redirected
                problems.add(Problem.warning(alias.ingress(), Problem.CONFLICT, what
                        + " is a host an Ingress rule names; that rule serves it"));
            } else if (routes.containsKey(key)) {
                // the same redirect from another Ingress of the host is no conflict: one redirect server
                if (!alias.redirect() || !alias.host().equals(routes.get(key).redirectTo())) {
                    problems.add(Problem.warning(alias.ingress(), Problem.CONFLICT, what
                            + " is already an alias or a redirect, given first; ignored here"));
                }
            } else {
                routes.put(key, alias.redirect() ? HostRoutes.redirecting(alias.host())
                        : routes.get(ServedIngress.hostKey(alias.host())));
            }
        }
        return routes;
    }

    /** Whether an Ingress makes a host of this name (not only canaries). */
    private boolean claimed(TableKey key) {
        HostEntry entry = hosts.get(key);
        return entry != null && !entry.unclaimed();
    }

    /** Whether a TLS host names this rule host, or a wildcard TLS host covers it. */
    static boolean coveredByTls(TableKey key, Predicate<String> tlsHosts) {
        switch (key.kind()) {
            case EXACT_HOST:
                int dot = key.name().indexOf('.');
                return tlsHosts.test(key.name()) || dot > 0 && tlsHosts.test("*" + key.name().substring(dot));
            case WILDCARD_HOST:
                return tlsHosts.test("*." + key.name());
            default:
                return false;
        }
    }

    /** The host keys a TLS host's presence decides coverage for, besides every exact host under a wildcard. */
    static TableKey coveredHost(String tlsHost) {
        return tlsHost.startsWith("*.") ? new TableKey(TableKey.Kind.WILDCARD_HOST, tlsHost.substring(2))
                : new TableKey(TableKey.Kind.EXACT_HOST, tlsHost);
    }

    /**
     * ssl-passthrough, as ingress-nginx: each host of the Ingress relays its TLS connections to the
     * backend of the host's first path (paths cannot be seen in an encrypted stream).
     */
    private void addPassthrough(ServedIngress served) {
        ObjectRef ref = served.ref();
        if (!passthroughEnabled) {
            problems.add(Problem.warning(ref, Problem.UNSUPPORTED_ANNOTATION, AnnotationCatalog.PREFIX
                    + "ssl-passthrough needs --enable-ssl-passthrough; TLS for its hosts is terminated here"));
            return;
        }
        for (IngressRule rule : served.rules()) {
            if (!ServedIngress.servesPassthrough(rule)) {
                continue;
            }
            String host = rule.getHost();
            IngressBackend relayedTo = rule.getHttp().getPaths().get(0).getBackend();
            String foreign = IngressValidator.foreignResource(relayedTo);
            if (foreign != null) {
                problems.add(Problem.warning(ref, Problem.BACKEND_NOT_FOUND, "ssl-passthrough for host " + host + ": "
                        + foreign));
                continue;
            }
            Backend backend = served.policy().denied() ? denied(ref) : resolve(ref, relayedTo, RoutePolicy.NONE);
            Backend existing = passthrough.putIfAbsent(RoutingTable.normalizeHost(host), backend);
            if (existing != null && !existing.name().equals(backend.name())) {
                problems.add(Problem.warning(ref, Problem.CONFLICT, "ssl-passthrough for host " + host
                        + " already goes to " + existing.name() + " of an Ingress that comes first (older, or as old"
                        + " and after it by namespace/name); ignored here"));
            }
        }
    }

    /**
     * The Ingress's {@code spec.tls} hosts with their Secrets. An entry without hosts is for the hosts of the Ingress's
     * rules that no entry of it names (the API's "all hosts" of the controller, as ingress-nginx serves such a Secret
     * wherever its certificate fits): a certificate that is not for one of them is reported as for a named host.
     */
    private void addTlsHosts(ServedIngress served) {
        ObjectRef ref = served.ref();
        Set<String> named = new HashSet<>();
        List<ObjectRef> forAllHosts = new ArrayList<>();
        for (IngressTLS entry : served.tls()) {
            String secretName = entry.getSecretName();
            ObjectRef secret = secretName == null || secretName.isEmpty() ? null
                    : new ObjectRef(ref.namespace(), secretName);
            List<String> hosts = entry.getHosts() == null ? List.of() : entry.getHosts().stream()
                    .filter(host -> host != null && !host.isEmpty()).toList();
            if (hosts.isEmpty() && secret != null) {
                forAllHosts.add(secret);
            }
            for (String host : hosts) {
                named.add(RoutingTable.normalizeHost(host));
                addTlsHost(ref, RoutingTable.normalizeHost(host), secret);
            }
        }
        if (!forAllHosts.isEmpty()) {
            for (IngressRule rule : served.rules()) {
                String host = rule.getHost() == null || rule.getHost().isEmpty() ? null
                        : RoutingTable.normalizeHost(rule.getHost());
                if (host != null && named.add(host)) {
                    addTlsHost(ref, host, forAllHosts.get(0));
                }
            }
        }
    }

    private void addTlsHost(ObjectRef ref, String name, ObjectRef secret) {
        TlsHost existing = tls.putIfAbsent(name, new TlsHost(name, secret, ref, false));
        if (existing != null && !Objects.equals(existing.secret(), secret)) {
            problems.add(Problem.warning(ref, Problem.CONFLICT, "TLS for host " + name + " already comes from "
                    + (existing.secret() == null ? "the default certificate" : "Secret " + existing.secret())
                    + " of Ingress " + existing.ingress() + ", " + COMES_FIRST + "; Secret "
                    + (secret == null ? "(none)" : secret.name()) + " is not used for it"));
        }
    }

    private HostEntry entryFor(String host) {
        return hosts.computeIfAbsent(ServedIngress.hostKey(host), key -> new HostEntry());
    }

    private void addPath(HostEntry entry, String host, HTTPIngressPath path, ObjectRef ref, RoutePolicy policy) {
        PathType type = PathType.fromApiName(path.getPathType());
        if ((policy.externalAuth() != null || policy.userAuth() != null) && path.getPath() != null
                && noAuthLocations.stream().anyMatch(path.getPath()::startsWith)) {
            // as ingress-nginx's no-auth-locations: an ACME solver's path answers whatever auth would say
            policy = policy.withExternalAuth(null).withUserAuth(null);
        }
        String hostless = hostlessAuthUrl(host, policy);
        if (hostless != null) {
            problems.add(Problem.warning(ref, Problem.INVALID_ANNOTATION, "path " + path.getPath() + ": " + hostless));
        }
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
        entry.regexMode |= policy.makesRegex(rule.path());
        if (policy.appRoot() != null && entry.appRoot == null) {
            entry.appRoot = policy.appRoot();
        }
        PathRule existing = entry.rules.putIfAbsent(new PathKey(type, rule.keyPath()), rule);
        if (existing != null && !existing.backend().name().equals(backend.name())) {
            problems.add(Problem.warning(ref, Problem.CONFLICT, "path " + path.getPath() + " (" + type.apiName() + ") on "
                    + describeHost(host) + " is already served by " + (existing.ingress().equals(ref)
                            ? "another path of this Ingress (" + existing.path() + ")"
                            : "Ingress " + existing.ingress() + ", " + COMES_FIRST) + "; this path is ignored"));
        }
    }

    /**
     * As nginx's ssl_verify_client, a host's: the client certificates its oldest Ingress asking for any asks for.
     * A younger Ingress asking for others is not served on the host, rather than under weaker ones; one asking
     * for none is served under the host's.
     */
    private boolean clientCertificatesAgree(HostEntry entry, String host, ObjectRef ref, RoutePolicy policy) {
        RoutePolicy.ClientCertificates asked = policy.clientCertificates();
        if (asked == null || policy.canary() != null) {
            return true;
        }
        if (entry.clientCertificates == null) {
            entry.clientCertificates = asked;
            entry.clientCertificatesOwner = ref;
            return true;
        }
        if (entry.clientCertificates.equals(asked)) {
            return true;
        }
        if (policy.denied()) {
            // its paths answer 503 whatever the host asks: no conflict to report
            return false;
        }
        problems.add(Problem.warning(ref, Problem.CONFLICT, "client certificates for " + describeHost(host)
                + " are asked as Ingress " + entry.clientCertificatesOwner + " says, " + COMES_FIRST + ", and has other"
                + " auth-tls annotations; this Ingress's paths and default backend there are not served"));
        return false;
    }

    private void setDefault(HostEntry entry, PathRule standIn, ObjectRef ref, String scope) {
        Backend backend = standIn.backend();
        if (entry.defaultBackend == null) {
            entry.defaultBackend = backend;
            entry.defaultRule = standIn;
            entry.defaultBackendOwner = ref;
        } else if (!entry.defaultBackend.name().equals(backend.name())) {
            problems.add(Problem.warning(ref, Problem.CONFLICT, "defaultBackend for " + scope + " is already set by Ingress "
                    + entry.defaultBackendOwner + ", " + COMES_FIRST + "; it is ignored there"));
        } else if (!entry.defaultRule.policy().equals(standIn.policy())) {
            // the same Service, but what holds there (auth, limits, ...) is the older Ingress's
            problems.add(Problem.warning(ref, Problem.CONFLICT, "defaultBackend for " + scope + " is served under the"
                    + " annotations of Ingress " + entry.defaultBackendOwner + ", " + COMES_FIRST + " and names the same"
                    + " Service; this Ingress's annotations do not hold there"));
        }
    }

    /** What a denied Ingress's default backend and passthrough hosts go to: no pod at all (503, or a closed connection). */
    private static Backend denied(ObjectRef ref) {
        return new Backend("denied " + ref, List.of());
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

    /**
     * Why a rule's requests answer 500 for their auth-url, or {@code null}: one with {@code $host} on a rule without a
     * host would let any client choose where Caravan sends its users' credentials (ingress-nginx sends them).
     */
    static String hostlessAuthUrl(String host, RoutePolicy policy) {
        RoutePolicy.ExternalAuth auth = policy.externalAuth();
        boolean usesHost = auth != null && (auth.url().usesHost() || auth.signin() != null && auth.signin().usesHost());
        return usesHost && (host == null || host.isEmpty()) ? "auth-url or auth-signin uses $host on a rule without a"
                + " host, where a client would choose where the auth request goes: its requests answer 500" : null;
    }

    private static String describeHost(String host) {
        return host == null || host.isEmpty() ? "every host" : "host " + host;
    }

    /** Attaches each canary to the main rule of its host and path (one canary per rule, oldest first). */
    private void attachCanaries() {
        for (PendingCanary pending : canaries) {
            PathKey key = new PathKey(pending.path().type(), pending.path().keyPath());
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

    private HostRoutes routes(TableKey key, HostEntry entry, boolean tls) {
        List<PathRule> rules = new ArrayList<>(entry.rules.values());
        if (entry.regexMode) {
            // as ingress-nginx: one Ingress with regex paths makes every path of the host a regex, Exact ones too
            rules.replaceAll(rule -> {
                PathRegex regex = PathRegex.of(rule.path());
                if (regex.notARegex() != null) {
                    String host = key.kind() == TableKey.Kind.WILDCARD_HOST ? "*." + key.name() : key.name();
                    problems.add(Problem.warning(rule.ingress(), Problem.PATH_NOT_REGEX,
                            RegexPaths.sentence(rule.path() + " on " + describeHost(host), regex.notARegex())));
                }
                return rule.asRegex(regex);
            });
        }
        return new HostRoutes(rules, entry.defaultBackend, entry.defaultBackend != null ? entry.defaultRule : entry.oldest,
                entry.appRoot, tls, entry.clientCertificates);
    }
}


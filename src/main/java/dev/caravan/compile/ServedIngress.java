package dev.caravan.compile;

import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.RoutePolicy;
import dev.caravan.routing.RoutingTable;
import dev.caravan.state.ClusterState;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.IngressTLS;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An Ingress as it will be served (its current version, or its last good one), with its annotations
 * parsed and what it is sorted by read once: a comparator parsing timestamps took 40 % of a compilation at
 * 10,000 Ingresses (bench/scale).
 */
record ServedIngress(Ingress ingress, RoutePolicy policy, Instant created, ObjectRef ref) {

    /**
     * Where two Ingresses claim the same thing, the older wins (creationTimestamp); of two as old (timestamps have
     * seconds only, and one {@code kubectl apply} makes many in a second), the one whose namespace/name comes later as
     * text, as ingress-nginx sorts them.
     */
    static final Comparator<ServedIngress> OLDEST_FIRST = Comparator.comparing(ServedIngress::created)
            .thenComparing((a, b) -> byText(b.ref(), a.ref()));

    /** {@code namespace/name} of each compared as text, without making the text. */
    private static int byText(ObjectRef a, ObjectRef b) {
        int length = Math.min(a.namespace().length(), b.namespace().length());
        for (int i = 0; i < length; i++) {
            if (a.namespace().charAt(i) != b.namespace().charAt(i)) {
                return a.namespace().charAt(i) - b.namespace().charAt(i);
            }
        }
        if (a.namespace().length() != b.namespace().length()) {
            // the shorter namespace's '/' against the other's next char
            return a.namespace().length() < b.namespace().length() ? '/' - b.namespace().charAt(length)
                    : a.namespace().charAt(length) - '/';
        }
        return a.name().compareTo(b.name());
    }

    ServedIngress(Ingress ingress, RoutePolicy policy) {
        this(ingress, policy, createdAt(ingress), ClusterState.refOf(ingress));
    }

    List<IngressRule> rules() {
        return ingress.getSpec().getRules() == null ? List.of() : ingress.getSpec().getRules();
    }

    /** The entries of the configuration this Ingress contributes to or contends for, as the table builder adds it. */
    Set<TableKey> footprint(boolean passthroughEnabled) {
        Set<TableKey> keys = new HashSet<>();
        List<IngressRule> rules = rules();
        for (IngressRule rule : rules) {
            keys.add(hostKey(rule.getHost()));
            if (passthroughEnabled && policy.sslPassthrough() && servesPassthrough(rule)) {
                keys.add(new TableKey(TableKey.Kind.PASSTHROUGH_HOST, RoutingTable.normalizeHost(rule.getHost())));
            }
        }
        if (rules.isEmpty() && ingress.getSpec().getDefaultBackend() != null) {
            keys.add(TableKey.ANY_HOST);
        }
        boolean tlsForAllHosts = false;
        for (IngressTLS entry : tls()) {
            boolean hosts = false;
            for (String host : entry.getHosts() == null ? List.<String>of() : entry.getHosts()) {
                if (host != null && !host.isEmpty()) {
                    keys.add(new TableKey(TableKey.Kind.TLS_HOST, RoutingTable.normalizeHost(host)));
                    hosts = true;
                }
            }
            tlsForAllHosts |= !hosts && entry.getSecretName() != null && !entry.getSecretName().isEmpty();
        }
        if (tlsForAllHosts) {
            // an entry without hosts is for the rules' hosts (HostTableBuilder#addTlsHosts)
            for (IngressRule rule : rules) {
                if (rule.getHost() != null && !rule.getHost().isEmpty()) {
                    keys.add(new TableKey(TableKey.Kind.TLS_HOST, RoutingTable.normalizeHost(rule.getHost())));
                }
            }
        }
        if (policy.proxySsl() != null && policy.proxySsl().secret() != null) {
            keys.add(new TableKey(TableKey.Kind.BACKEND_TLS_SECRET, policy.proxySsl().secret().toString()));
        }
        // a name this Ingress adds is served with its host's routes (or a redirect to it) and certificate: all read with it
        for (ExtraName extra : extraNames()) {
            keys.add(hostKey(extra.name()));
            keys.add(new TableKey(TableKey.Kind.TLS_HOST, extra.name()));
            if (!extra.name().startsWith("*.")) {
                keys.add(new TableKey(TableKey.Kind.TLS_HOST, HostTableBuilder.coveringWildcard(extra.name())));
            }
            keys.add(new TableKey(TableKey.Kind.TLS_HOST, extra.host()));
            keys.add(new TableKey(TableKey.Kind.TLS_HOST, HostTableBuilder.coveringWildcard(extra.host())));
        }
        return Set.copyOf(keys);
    }

    /**
     * A name an Ingress adds beside its rules' hosts, for {@code host}: a {@code server-alias}, or the twin a
     * {@code from-to-www-redirect} sends to its host ({@code redirect}).
     */
    record ExtraName(String name, String host, boolean redirect) {
    }

    /**
     * Each named host's www twin when it is redirected, then the aliases of {@link #aliasedHost()}: a name that is
     * both is redirected, as nginx takes ingress-nginx's redirect servers first. A canary adds no name: it serves
     * no host of its own.
     */
    List<ExtraName> extraNames() {
        List<ExtraName> names = new ArrayList<>();
        if (policy.canary() != null) {
            return names;
        }
        if (policy.wwwRedirect()) {
            for (IngressRule rule : rules()) {
                String host = rule.getHost();
                if (host != null && !host.isEmpty() && !host.startsWith("*.")) {
                    String name = RoutingTable.normalizeHost(host);
                    String twin = name.startsWith("www.") ? name.substring(4) : "www." + name;
                    ExtraName extra = new ExtraName(twin, name, true);
                    if (!names.contains(extra)) {
                        names.add(extra);
                    }
                }
            }
        }
        String aliased = aliasedHost();
        if (aliased != null) {
            policy.serverAliases().forEach(alias -> names.add(new ExtraName(alias, aliased, false)));
        }
        return names;
    }

    /**
     * The host {@code server-alias} gives more names to, as ingress-nginx's server of the Ingress's first host:
     * that rule's host, lower case; {@code null} without aliases or a rule with a host.
     */
    String aliasedHost() {
        if (policy.serverAliases().isEmpty()) {
            return null;
        }
        for (IngressRule rule : rules()) {
            if (rule.getHost() != null && !rule.getHost().isEmpty()) {
                return RoutingTable.normalizeHost(rule.getHost());
            }
        }
        return null;
    }

    /** The Services this Ingress's backends name, whose ports and endpoints its rules are compiled from. */
    Set<ObjectRef> services() {
        Set<ObjectRef> services = new HashSet<>();
        addService(ingress.getSpec().getDefaultBackend(), services);
        for (IngressRule rule : rules()) {
            if (rule.getHttp() != null) {
                for (HTTPIngressPath path : rule.getHttp().getPaths()) {
                    addService(path.getBackend(), services);
                }
            }
        }
        if (policy.defaultBackend() != null) {
            services.add(new ObjectRef(ref.namespace(), policy.defaultBackend()));
        }
        return Set.copyOf(services);
    }

    private void addService(IngressBackend backend, Set<ObjectRef> services) {
        if (backend != null && backend.getService() != null) {
            services.add(new ObjectRef(ref.namespace(), backend.getService().getName()));
        }
    }

    List<IngressTLS> tls() {
        return ingress.getSpec().getTls() == null ? List.of() : ingress.getSpec().getTls();
    }

    /** The table key of a rule's host: a named host, a wildcard by its suffix, or every host. */
    static TableKey hostKey(String host) {
        if (host == null || host.isEmpty()) {
            return TableKey.ANY_HOST;
        }
        if (host.startsWith("*.")) {
            return new TableKey(TableKey.Kind.WILDCARD_HOST, host.substring(2));
        }
        return new TableKey(TableKey.Kind.EXACT_HOST, RoutingTable.normalizeHost(host));
    }

    /** Whether a rule names a host whose TLS connections can be relayed (a named host with a first path). */
    static boolean servesPassthrough(IngressRule rule) {
        String host = rule.getHost();
        return host != null && !host.isEmpty() && !host.startsWith("*.") && rule.getHttp() != null
                && !rule.getHttp().getPaths().isEmpty();
    }

    private static Instant createdAt(Ingress ingress) {
        String timestamp = ingress.getMetadata().getCreationTimestamp();
        if (timestamp == null || timestamp.isEmpty()) {
            return Instant.EPOCH;
        }
        if (inApiServerForm(timestamp)) {
            try {
                return LocalDateTime.of(number(timestamp, 0, 4), number(timestamp, 5, 7), number(timestamp, 8, 10),
                        number(timestamp, 11, 13), number(timestamp, 14, 16), number(timestamp, 17, 19))
                        .toInstant(ZoneOffset.UTC);
            } catch (DateTimeException outOfRange) {
                // 24:00:00 or a leap second: Instant.parse reads them, so they are left to it
            }
        }
        try {
            return Instant.parse(timestamp);
        } catch (DateTimeException unparsable) {
            return Instant.EPOCH;
        }
    }

    /**
     * Whether a timestamp has the one form the API server writes (RFC 3339 in seconds and UTC:
     * {@code 2024-01-31T23:59:59Z}), read here without {@code DateTimeFormatter}: parsing with it was a quarter of
     * the first compilation at 10,000 Ingresses (bench/scale). Any other form is parsed in full.
     */
    private static boolean inApiServerForm(String timestamp) {
        if (timestamp.length() != 20) {
            return false;
        }
        for (int i = 0; i < 20; i++) {
            char c = timestamp.charAt(i);
            boolean expected = switch (i) {
                case 4, 7 -> c == '-';
                case 10 -> c == 'T';
                case 13, 16 -> c == ':';
                case 19 -> c == 'Z';
                default -> c >= '0' && c <= '9';
            };
            if (!expected) {
                return false;
            }
        }
        return true;
    }

    private static int number(String digits, int from, int to) {
        return Integer.parseInt(digits, from, to, 10);
    }
}

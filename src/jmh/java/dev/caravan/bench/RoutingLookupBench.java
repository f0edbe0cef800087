package dev.caravan.bench;

import dev.caravan.compile.Compilation;
import dev.caravan.compile.ControllerSettings;
import dev.caravan.compile.IngressCompiler;
import dev.caravan.routing.RouteMatch;
import dev.caravan.routing.RoutingTable;
import dev.caravan.state.Change;
import dev.caravan.state.ClusterState;
import dev.caravan.testing.ClusterObjects;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPathBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The routing-table lookup of every request, {@link RoutingTable#resolve}, at 10,000 hosts: 8,000 exact
 * hosts with four rules each ({@code /}, {@code /api}, {@code /api/v1/users} Prefix, {@code /healthz} Exact),
 * 1,000 wildcard hosts ({@code *.wild-N.example.com}, the same rules) and 1,000 hosts in regex mode
 * ({@code use-regex}, so every path of the host is a regex). The table is made by the compiler from
 * Ingresses, as Caravan makes it. Each call looks up the next of 1,024 random hosts of its kind, so the
 * hash map is probed across the table rather than for one hot key.
 *
 * <p>Run it with {@code bench/lookup}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RoutingLookupBench {

    private static final int EXACT = 8_000;
    private static final int WILDCARD = 1_000;
    private static final int REGEX = 1_000;
    private static final int SAMPLES = 1_024;

    private RoutingTable table;
    private String[] exactHosts;
    private String[] wildcardHosts;
    private String[] regexHosts;
    private String[] missedHosts;
    private int next;

    @Setup(Level.Trial)
    public void compile() {
        List<Change> changes = new ArrayList<>(List.of(Change.upsert(ClusterObjects.ingressClass())));
        for (int i = 0; i < EXACT; i++) {
            add(changes, ingress("app-" + i, "app-" + i + ".example.com", false), i);
        }
        for (int i = 0; i < WILDCARD; i++) {
            add(changes, ingress("wild-" + i, "*.wild-" + i + ".example.com", false), EXACT + i);
        }
        for (int i = 0; i < REGEX; i++) {
            add(changes, ingress("regex-" + i, "regex-" + i + ".example.com", true), EXACT + WILDCARD + i);
        }
        Compilation compilation = new IngressCompiler(ControllerSettings.defaults())
                .compile(ClusterState.EMPTY.with(changes), Compilation.EMPTY);
        table = compilation.table();
        int hosts = table.exactHosts().size() + table.wildcardHosts().size();
        if (hosts != EXACT + WILDCARD + REGEX || !compilation.problems().isEmpty()) {
            throw new IllegalStateException(hosts + " hosts, " + compilation.problems().size() + " problems, first "
                    + compilation.problems().stream().findFirst().orElse(null));
        }
        Random random = new Random(42);
        exactHosts = new String[SAMPLES];
        wildcardHosts = new String[SAMPLES];
        regexHosts = new String[SAMPLES];
        missedHosts = new String[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            exactHosts[i] = "app-" + random.nextInt(EXACT) + ".example.com";
            wildcardHosts[i] = "pod-" + i + ".wild-" + random.nextInt(WILDCARD) + ".example.com";
            regexHosts[i] = "regex-" + random.nextInt(REGEX) + ".example.com";
            missedHosts[i] = "app-" + random.nextInt(EXACT) + ".example.org";
        }
    }

    /** The Ingress, its Service and an EndpointSlice with one ready pod, so every rule has an endpoint. */
    private static void add(List<Change> changes, Ingress ingress, int i) {
        String service = ingress.getMetadata().getName();
        changes.add(Change.upsert(ingress));
        changes.add(Change.upsert(ClusterObjects.service(service)));
        changes.add(Change.upsert(new EndpointSliceBuilder().withNewMetadata().withName(service + "-1")
                .withNamespace("default").addToLabels("kubernetes.io/service-name", service).endMetadata()
                .withAddressType("IPv4").addNewPort().withName("http").withPort(8080).endPort()
                .addNewEndpoint().withAddresses("10.0." + (i >> 8 & 255) + "." + (i & 255))
                .withNewConditions().withReady(true).endConditions().endEndpoint().build()));
    }

    /** Four rules; in regex mode the {@code /api/v1/users} rule is a pattern, as use-regex Ingresses write it. */
    private static Ingress ingress(String name, String host, boolean regex) {
        String type = regex ? "ImplementationSpecific" : "Prefix";
        Ingress ingress = new IngressBuilder(ClusterObjects.ingress(name, host, "/", name)).build();
        var paths = ingress.getSpec().getRules().get(0).getHttp().getPaths();
        paths.get(0).setPathType(type);
        paths.add(path(paths.get(0), "/api", type));
        paths.add(path(paths.get(0), regex ? "/api/v[0-9]+/users" : "/api/v1/users", type));
        paths.add(path(paths.get(0), "/healthz", regex ? type : "Exact"));
        if (regex) {
            ingress.getMetadata().setAnnotations(Map.of("nginx.ingress.kubernetes.io/use-regex", "true"));
        }
        return ingress;
    }

    private static io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath path(
            io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath like, String path, String type) {
        return new HTTPIngressPathBuilder(like).withPath(path).withPathType(type).build();
    }

    private int next() {
        next = (next + 1) & (SAMPLES - 1);
        return next;
    }

    /** The longest Prefix rule, {@code /api/v1/users}, checked first. */
    @Benchmark
    public RouteMatch exactHostLongPrefix() {
        return table.resolve(exactHosts[next()], "/api/v1/users/42");
    }

    /** The shortest Prefix rule, {@code /}, checked after the other three. */
    @Benchmark
    public RouteMatch exactHostRootPrefix() {
        return table.resolve(exactHosts[next()], "/static/app.css");
    }

    /** The Exact rule. */
    @Benchmark
    public RouteMatch exactHostExactPath() {
        return table.resolve(exactHosts[next()], "/healthz");
    }

    /** A host matched by {@code *.wild-N.example.com} after the exact lookup missed. */
    @Benchmark
    public RouteMatch wildcardHost() {
        return table.resolve(wildcardHosts[next()], "/api/v1/users/42");
    }

    /** No host matches: the exact and the wildcard lookups both miss (404, no default backend). */
    @Benchmark
    public RouteMatch missedHost() {
        return table.resolve(missedHosts[next()], "/api/v1/users/42");
    }

    /** A host in regex mode: the {@code /api/v[0-9]+/users} pattern matches. */
    @Benchmark
    public RouteMatch regexPath() {
        return table.resolve(regexHosts[next()], "/api/v2/users/42");
    }

    /** A host in regex mode: every pattern is tried, {@code ^/} last. */
    @Benchmark
    public RouteMatch regexRootPath() {
        return table.resolve(regexHosts[next()], "/static/app.css");
    }
}

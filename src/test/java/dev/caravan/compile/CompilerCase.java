package dev.caravan.compile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.caravan.compile.Problem.Severity;
import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.RouteMatch;
import dev.caravan.routing.RoutingTable;
import dev.caravan.state.ClusterState;
import dev.caravan.state.Placement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One row of a compiler table test: objects in, lookups and problems out. Every case compiles with
 * our IngressClass {@code caravan} present unless it says otherwise; objects it gives explicitly
 * replace that class.
 *
 * <pre>
 * CompilerCase.named("prefix /foo matches /foo/bar")
 *     .given(app("default/foo", "10.0.0.1"), ingress("default/web").rule("example.com", prefix("/foo", "foo:80")))
 *     .expect("example.com", "/foo/bar", "default/foo:80")
 *     .expectNotFound("example.com", "/foobar")
 * </pre>
 *
 * <p>The problems a case does not declare must not occur: a case without {@link #problem} expects none.
 */
final class CompilerCase {

    /** Not a backend name: a rule answered 503. */
    private static final String DENIED = "(denied)";

    private record Lookup(String host, String path, String backend, List<String> endpoints) {
    }

    private record ExpectedProblem(Severity severity, ObjectRef ingress, List<String> fragments) {
        boolean matches(Problem problem) {
            return problem.severity() == severity && problem.ingress().equals(ingress)
                    && fragments.stream().allMatch(problem.message()::contains);
        }

        @Override
        public String toString() {
            return severity + " " + ingress + " containing " + fragments;
        }
    }

    private final String name;
    private final List<Object> objects = new ArrayList<>();
    private final List<List<Object>> previous = new ArrayList<>();
    private ControllerSettings settings = Fixtures.settings();
    private boolean ourClass = true;
    private String zone;
    private String node;
    private final List<Lookup> lookups = new ArrayList<>();
    private final List<ExpectedProblem> problems = new ArrayList<>();

    private CompilerCase(String name) {
        this.name = name;
    }

    static CompilerCase named(String name) {
        return new CompilerCase(name);
    }

    /** The objects of the cluster state compiled. */
    CompilerCase given(Object... objects) {
        this.objects.addAll(Arrays.asList(objects));
        return this;
    }

    /**
     * An earlier cluster state, compiled first; its Compilation is passed to the next. Several calls
     * make a chain of earlier states, oldest first.
     */
    CompilerCase previously(Object... objects) {
        previous.add(Arrays.asList(objects));
        return this;
    }

    CompilerCase settings(ControllerSettings settings) {
        this.settings = settings;
        return this;
    }

    /** Every state compiled has this replica in {@code zone} (topology-aware routing). */
    CompilerCase zone(String zone) {
        this.zone = zone;
        return this;
    }

    /** Every state compiled has this replica on {@code node} (topology-aware routing). */
    CompilerCase node(String node) {
        this.node = node;
        return this;
    }

    /** Leaves out the IngressClass {@code caravan} that every case otherwise has. */
    CompilerCase withoutOurIngressClass() {
        this.ourClass = false;
        return this;
    }

    /** A request for host and path goes to the backend named {@code namespace/service:port}. */
    CompilerCase expect(String host, String path, String backend) {
        lookups.add(new Lookup(host, path, backend, null));
        return this;
    }

    /** As {@link #expect}, and the backend's endpoints are exactly these {@code ip:port} (none: no endpoints). */
    CompilerCase expectEndpoints(String host, String path, String backend, String... endpoints) {
        lookups.add(new Lookup(host, path, backend, List.of(endpoints)));
        return this;
    }

    /** A request for host and path matches a rule answered 503 (nginx's "location denied"), whatever its backend. */
    CompilerCase expectDenied(String host, String path) {
        lookups.add(new Lookup(host, path, DENIED, null));
        return this;
    }

    /** A request for host and path matches nothing: 404. */
    CompilerCase expectNotFound(String host, String path) {
        lookups.add(new Lookup(host, path, null, null));
        return this;
    }

    /** A problem of this severity for this Ingress whose message contains every fragment. */
    CompilerCase problem(Severity severity, String ingress, String... fragments) {
        problems.add(new ExpectedProblem(severity, ObjectRef.parse(ingress), List.of(fragments)));
        return this;
    }

    /** Compiles the case's states in order and returns the last compilation. */
    Compilation compile() {
        IngressCompiler compiler = new IngressCompiler(settings);
        Compilation compilation = Compilation.EMPTY;
        for (List<Object> earlier : previous) {
            compilation = compiler.compile(stateOf(earlier), compilation);
        }
        return compiler.compile(stateOf(objects), compilation);
    }

    private ClusterState stateOf(List<Object> given) {
        List<Object> all = new ArrayList<>();
        if (ourClass) {
            all.add(Fixtures.caravanClass());
        }
        all.addAll(given);
        ClusterState state = Fixtures.state(all.toArray());
        return zone == null && node == null ? state : state.withPlacement(new Placement(node, zone));
    }

    void run() {
        assertThat(lookups).as("a case must look something up").isNotEmpty();
        Compilation compilation = compile();
        RoutingTable table = compilation.table();
        for (Lookup lookup : lookups) {
            RouteMatch match = table.resolve(lookup.host(), lookup.path());
            String request = "request " + lookup.host() + lookup.path();
            if (lookup.backend() == null) {
                assertThat(match.found())
                        .as("%s should be 404 but went to %s", request, match.backend() == null ? null : match.backend().name())
                        .isFalse();
                continue;
            }
            assertThat(match.found()).as("%s should go to %s but was 404", request, lookup.backend()).isTrue();
            if (DENIED.equals(lookup.backend())) {
                assertThat(match.rule().policy().denied()).as("%s should be denied", request).isTrue();
                continue;
            }
            // a denied Ingress's default backend is named so, and its stand-in rule says it is denied
            assertThat(match.rule() == null || !match.rule().policy().denied() || lookup.backend().startsWith("denied "))
                    .as("%s is denied", request).isTrue();
            assertThat(match.backend().name()).as("backend of %s", request).isEqualTo(lookup.backend());
            if (lookup.endpoints() != null) {
                assertThat(match.backend().endpoints()).as("endpoints of %s", request)
                        .containsExactlyInAnyOrderElementsOf(
                                lookup.endpoints().stream().map(Fixtures::address).toList());
            }
        }
        assertProblems(compilation.problems());
    }

    private void assertProblems(List<Problem> actual) {
        List<Problem> unmatched = new ArrayList<>(actual);
        List<ExpectedProblem> missing = new ArrayList<>();
        for (ExpectedProblem expected : problems) {
            Problem found = unmatched.stream().filter(expected::matches).findFirst().orElse(null);
            if (found == null) {
                missing.add(expected);
            } else {
                unmatched.remove(found);
            }
        }
        if (!missing.isEmpty() || !unmatched.isEmpty()) {
            fail("problems differ%n  expected but missing: %s%n  reported but not expected: %s%n  all reported: %s",
                    missing, unmatched.stream().map(p -> p.severity() + " " + p).toList(), actual);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}

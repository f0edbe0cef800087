package dev.caravan.compile;

import static dev.caravan.compile.Fixtures.OUR_CONTROLLER;
import static dev.caravan.compile.Fixtures.app;
import static dev.caravan.compile.Fixtures.backend;
import static dev.caravan.compile.Fixtures.caravanClass;
import static dev.caravan.compile.Fixtures.defaultIngressClass;
import static dev.caravan.compile.Fixtures.endpoints;
import static dev.caravan.compile.Fixtures.endpointsPort;
import static dev.caravan.compile.Fixtures.exact;
import static dev.caravan.compile.Fixtures.implementationSpecific;
import static dev.caravan.compile.Fixtures.ingress;
import static dev.caravan.compile.Fixtures.ingressClass;
import static dev.caravan.compile.Fixtures.noConditions;
import static dev.caravan.compile.Fixtures.notReady;
import static dev.caravan.compile.Fixtures.terminating;
import static dev.caravan.compile.Fixtures.path;
import static dev.caravan.compile.Fixtures.port;
import static dev.caravan.compile.Fixtures.prefix;
import static dev.caravan.compile.Fixtures.ready;
import static dev.caravan.compile.Fixtures.readyUnset;
import static dev.caravan.compile.Fixtures.service;
import static dev.caravan.compile.Fixtures.settingsWatchingIngressWithoutClass;
import static dev.caravan.compile.Fixtures.settingsWithClass;
import static dev.caravan.compile.Fixtures.settingsWithDefaultBackend;
import static dev.caravan.compile.Fixtures.slice;
import static dev.caravan.compile.Fixtures.slicePort;
import static dev.caravan.compile.Fixtures.unlabelledSlice;
import static dev.caravan.compile.Problem.Severity.INVALID;
import static dev.caravan.compile.Problem.Severity.WARNING;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.routing.ObjectRef;
import dev.caravan.state.ClusterState;
import dev.caravan.routing.RoutePolicy;
import dev.caravan.testing.TestCertificates;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import dev.caravan.routing.RoutingTable;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.ServiceBackendPort;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Table tests of the Ingress compiler, in the style of Contour's internal/dag tests: each case is a
 * set of Kubernetes objects in and the lookups and problems that must come out.
 */
class IngressCompilerTest {

    private static final String HOST = "example.com";
    private static final String USE_REGEX = "nginx.ingress.kubernetes.io/use-regex";
    private static final String SERVER_ALIAS = "nginx.ingress.kubernetes.io/server-alias";
    private static final String NGINX_PREFIX = "nginx.ingress.kubernetes.io/";

    // Backends used throughout: a Service with one unnamed port 80 → 8080 and one ready pod.
    private static final List<HasMetadata> FOO = app("default/foo", "10.0.1.1");
    private static final List<HasMetadata> BAR = app("default/bar", "10.0.2.1");
    private static final List<HasMetadata> ROOT = app("default/root", "10.0.3.1");
    private static final List<HasMetadata> AAA = app("default/aaa", "10.0.4.1");
    private static final List<HasMetadata> APPS = List.of(FOO, BAR, ROOT, AAA).stream().flatMap(List::stream).toList();

    // ================================================================ path matching

    static Stream<CompilerCase> pathCases() {
        return Stream.of(
                CompilerCase.named("Prefix /foo matches /foo, /foo/ and /foo/bar but not /foobar")
                        .given(APPS, ingress("default/web").rule(HOST, prefix("/foo", "foo:80")))
                        .expectEndpoints(HOST, "/foo", "default/foo:80", "10.0.1.1:8080")
                        .expect(HOST, "/foo/", "default/foo:80")
                        .expect(HOST, "/foo/bar", "default/foo:80")
                        .expectNotFound(HOST, "/foobar")
                        .expectNotFound(HOST, "/fo")
                        .expectNotFound(HOST, "/"),
                CompilerCase.named("Prefix /foo/ (trailing slash) matches /foo, /foo/ and /foo/bar but not /foobar")
                        .given(APPS, ingress("default/web").rule(HOST, prefix("/foo/", "foo:80")))
                        .expect(HOST, "/foo", "default/foo:80")
                        .expect(HOST, "/foo/", "default/foo:80")
                        .expect(HOST, "/foo/bar", "default/foo:80")
                        .expectNotFound(HOST, "/foobar"),
                CompilerCase.named("Prefix /aaa/bbb does not match /aaa/bbbxyz but matches /aaa/bbb/ccc")
                        .given(APPS, ingress("default/web").rule(HOST, prefix("/aaa/bbb", "aaa:80")))
                        .expectNotFound(HOST, "/aaa/bbbxyz")
                        .expect(HOST, "/aaa/bbb/ccc", "default/aaa:80")
                        .expectNotFound(HOST, "/aaa"),
                CompilerCase.named("Prefix / matches every path")
                        .given(APPS, ingress("default/web").rule(HOST, prefix("/", "root:80")))
                        .expect(HOST, "/", "default/root:80")
                        .expect(HOST, "/anything", "default/root:80")
                        .expect(HOST, "/a/b/c/", "default/root:80"),
                CompilerCase.named("longest prefix wins: / and /aaa, request /aaa/ccc goes to /aaa, /ccc and /aaab to /")
                        .given(APPS, ingress("default/web").rule(HOST, prefix("/", "root:80"), prefix("/aaa", "aaa:80")))
                        .expect(HOST, "/aaa/ccc", "default/aaa:80")
                        .expect(HOST, "/aaa", "default/aaa:80")
                        .expect(HOST, "/ccc", "default/root:80")
                        .expect(HOST, "/aaab", "default/root:80"),
                CompilerCase.named("longest prefix wins whatever the declaration order: /aaa before /")
                        .given(APPS, ingress("default/web").rule(HOST, prefix("/aaa", "aaa:80"), prefix("/", "root:80")))
                        .expect(HOST, "/aaa/ccc", "default/aaa:80")
                        .expect(HOST, "/ccc", "default/root:80"),
                CompilerCase.named("longest prefix wins across Ingresses, even over an older Ingress's shorter one")
                        .given(APPS,
                                ingress("default/old").created("2020-01-01T00:00:00Z").rule(HOST, prefix("/", "root:80")),
                                ingress("default/new").created("2024-01-01T00:00:00Z").rule(HOST, prefix("/aaa", "aaa:80")))
                        .expect(HOST, "/aaa/ccc", "default/aaa:80")
                        .expect(HOST, "/bbb", "default/root:80"),
                CompilerCase.named("Prefix /aaa and /aaa/bbb: request /aaa/bbb/ goes to /aaa/bbb, /aaa/ccc to /aaa")
                        .given(APPS, ingress("default/web").rule(HOST, prefix("/aaa", "aaa:80"), prefix("/aaa/bbb", "foo:80")))
                        .expect(HOST, "/aaa/bbb/", "default/foo:80")
                        .expect(HOST, "/aaa/bbb", "default/foo:80")
                        .expect(HOST, "/aaa/ccc", "default/aaa:80"),
                CompilerCase.named("Exact wins over Prefix of the same path (Prefix declared first)")
                        .given(APPS, ingress("default/web").rule(HOST, prefix("/foo", "foo:80"), exact("/foo", "bar:80")))
                        .expect(HOST, "/foo", "default/bar:80")
                        .expect(HOST, "/foo/", "default/foo:80")
                        .expect(HOST, "/foo/bar", "default/foo:80"),
                CompilerCase.named("Exact wins over Prefix of the same path (Exact declared first)")
                        .given(APPS, ingress("default/web").rule(HOST, exact("/foo", "bar:80"), prefix("/foo", "foo:80")))
                        .expect(HOST, "/foo", "default/bar:80")
                        .expect(HOST, "/foo/bar", "default/foo:80"),
                CompilerCase.named("Exact wins over Prefix of the same path in an older Ingress")
                        .given(APPS,
                                ingress("default/old").created("2020-01-01T00:00:00Z").rule(HOST, prefix("/foo", "foo:80")),
                                ingress("default/new").created("2024-01-01T00:00:00Z").rule(HOST, exact("/foo", "bar:80")))
                        .expect(HOST, "/foo", "default/bar:80")
                        .expect(HOST, "/foo/x", "default/foo:80"),
                CompilerCase.named("Exact /foo matches only /foo: not /foo/, /foo/bar, /FOO")
                        .given(APPS, ingress("default/web").rule(HOST, exact("/foo", "foo:80")))
                        .expect(HOST, "/foo", "default/foo:80")
                        .expectNotFound(HOST, "/foo/")
                        .expectNotFound(HOST, "/foo/bar")
                        .expectNotFound(HOST, "/FOO"),
                CompilerCase.named("Exact /foo/ matches /foo/ but not /foo")
                        .given(APPS, ingress("default/web").rule(HOST, exact("/foo/", "foo:80")))
                        .expect(HOST, "/foo/", "default/foo:80")
                        .expectNotFound(HOST, "/foo"),
                CompilerCase.named("paths are case-sensitive: Prefix /foo does not match /FOO or /Foo/bar")
                        .given(APPS, ingress("default/web").rule(HOST, prefix("/foo", "foo:80")))
                        .expectNotFound(HOST, "/FOO")
                        .expectNotFound(HOST, "/Foo/bar"),
                // as ingress-nginx writes it: nginx's location "/foo", a prefix of the text
                CompilerCase.named("ImplementationSpecific is a prefix of the text, as nginx's prefix location")
                        .given(APPS, ingress("default/web").rule(HOST, implementationSpecific("/foo", "foo:80")))
                        .expect(HOST, "/foo", "default/foo:80")
                        .expect(HOST, "/foo/", "default/foo:80")
                        .expect(HOST, "/foo/bar", "default/foo:80")
                        .expect(HOST, "/foobar", "default/foo:80")
                        .expectNotFound(HOST, "/fo"),
                // which the gateway answers with nginx's 301 to /foo/ (PathRule.redirectsToSlash)
                CompilerCase.named("ImplementationSpecific with a trailing slash also matches the path without it")
                        .given(APPS, ingress("default/web").rule(HOST, implementationSpecific("/foo/", "foo:80")))
                        .expect(HOST, "/foo", "default/foo:80")
                        .expect(HOST, "/foo/bar", "default/foo:80")
                        .expectNotFound(HOST, "/foobar"),
                CompilerCase.named("ImplementationSpecific /api and /api/ are two paths, as two nginx locations")
                        .given(APPS, ingress("default/a").created("2020-01-01T00:00:00Z").rule(HOST,
                                        implementationSpecific("/api/", "bar:80")),
                                ingress("default/b").created("2021-01-01T00:00:00Z").rule(HOST,
                                        implementationSpecific("/api", "foo:80")))
                        .expect(HOST, "/apis", "default/foo:80")
                        .expect(HOST, "/api/x", "default/bar:80")
                        // nginx's location /api is the request's path: it wins over /api/'s redirect
                        .expect(HOST, "/api", "default/foo:80"),
                CompilerCase.named("Prefix /api before ImplementationSpecific /api, as nginx's /api/ and = /api rank")
                        .given(APPS, ingress("default/a").created("2020-01-01T00:00:00Z").rule(HOST,
                                        implementationSpecific("/api", "foo:80")),
                                ingress("default/b").created("2021-01-01T00:00:00Z").rule(HOST,
                                        prefix("/api", "bar:80")))
                        .expect(HOST, "/api", "default/bar:80")
                        .expect(HOST, "/api/x", "default/bar:80")
                        .expect(HOST, "/apis", "default/foo:80"),
                CompilerCase.named("ImplementationSpecific /api loses /api/v1 to a longer Prefix and keeps /apis")
                        .given(APPS, ingress("default/web").rule(HOST, implementationSpecific("/api", "foo:80"),
                                prefix("/api/v1", "bar:80"), prefix("/", "root:80")))
                        .expect(HOST, "/apis", "default/foo:80")
                        .expect(HOST, "/api/v1/x", "default/bar:80")
                        .expect(HOST, "/ap", "default/root:80"),
                CompilerCase.named("longest match across types: ImplementationSpecific /aaa/bbb beats Prefix /aaa")
                        .given(APPS, ingress("default/web").rule(HOST,
                                prefix("/aaa", "aaa:80"), implementationSpecific("/aaa/bbb", "foo:80")))
                        .expect(HOST, "/aaa/bbb/c", "default/foo:80")
                        .expect(HOST, "/aaa/c", "default/aaa:80"),
                CompilerCase.named("Exact on a longer path beats a shorter Prefix; the Prefix serves the rest")
                        .given(APPS, ingress("default/web").rule(HOST, prefix("/", "root:80"), exact("/foo/bar", "foo:80")))
                        .expect(HOST, "/foo/bar", "default/foo:80")
                        .expect(HOST, "/foo/bar/", "default/root:80")
                        .expect(HOST, "/foo", "default/root:80"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pathCases")
    void paths(CompilerCase c) {
        c.run();
    }

    // ================================================================ host matching

    static Stream<CompilerCase> hostCases() {
        return Stream.of(
                CompilerCase.named("exact host: served for that host only")
                        .given(APPS, ingress("default/web").rule("foo.com", prefix("/", "foo:80")))
                        .expect("foo.com", "/", "default/foo:80")
                        .expectNotFound("bar.com", "/")
                        .expectNotFound("a.foo.com", "/")
                        .expectNotFound(null, "/"),
                CompilerCase.named("*.example.com matches a.example.com, not example.com nor a.b.example.com")
                        .given(APPS, ingress("default/web").rule("*.example.com", prefix("/", "foo:80")))
                        .expect("a.example.com", "/", "default/foo:80")
                        .expect("zz-top.example.com", "/x", "default/foo:80")
                        .expectNotFound("example.com", "/")
                        .expectNotFound("a.b.example.com", "/")
                        .expectNotFound("a.example.org", "/"),
                CompilerCase.named("exact host wins over a wildcard covering it")
                        .given(APPS, ingress("default/web").rule("*.example.com", prefix("/", "bar:80"))
                                .rule("a.example.com", prefix("/", "foo:80")))
                        .expect("a.example.com", "/", "default/foo:80")
                        .expect("b.example.com", "/", "default/bar:80"),
                CompilerCase.named("exact host wins over a wildcard even from a newer Ingress")
                        .given(APPS,
                                ingress("default/wild").created("2020-01-01T00:00:00Z").rule("*.example.com", prefix("/", "bar:80")),
                                ingress("default/one").created("2024-01-01T00:00:00Z").rule("a.example.com", prefix("/", "foo:80")))
                        .expect("a.example.com", "/", "default/foo:80")
                        .expect("b.example.com", "/", "default/bar:80"),
                CompilerCase.named("host matching ignores case and a trailing dot")
                        .given(APPS, ingress("default/web").rule("foo.com", prefix("/", "foo:80"))
                                .rule("*.example.com", prefix("/", "bar:80")))
                        .expect("FOO.com", "/", "default/foo:80")
                        .expect("foo.com.", "/", "default/foo:80")
                        .expect("Foo.COM.", "/", "default/foo:80")
                        .expect("A.Example.COM", "/", "default/bar:80")
                        .expect("a.example.com.", "/", "default/bar:80")
                        .expectNotFound("EXAMPLE.COM.", "/"),
                CompilerCase.named("a rule without host serves every host no other rule names")
                        .given(APPS, ingress("default/web").anyHost(prefix("/", "root:80"))
                                .rule("foo.com", prefix("/", "foo:80")))
                        .expect("foo.com", "/", "default/foo:80")
                        .expect("bar.com", "/x", "default/root:80")
                        .expect("a.foo.com", "/", "default/root:80")
                        .expect(null, "/", "default/root:80")
                        .expect("", "/", "default/root:80"),
                CompilerCase.named("a rule without host from another Ingress serves the hosts no rule names")
                        .given(APPS,
                                ingress("default/any").anyHost(prefix("/", "root:80")),
                                ingress("default/foo").rule("*.foo.com", prefix("/", "foo:80")))
                        .expect("a.foo.com", "/", "default/foo:80")
                        .expect("bar.com", "/", "default/root:80"),
                CompilerCase.named("an exact host whose paths do not match does not fall through to host-less rules: 404")
                        .given(APPS, ingress("default/web").anyHost(prefix("/", "root:80"))
                                .rule("foo.com", prefix("/api", "foo:80")))
                        .expect("foo.com", "/api/v1", "default/foo:80")
                        .expectNotFound("foo.com", "/web")
                        .expect("bar.com", "/web", "default/root:80"),
                CompilerCase.named("a wildcard host whose paths do not match does not fall through to host-less rules")
                        .given(APPS, ingress("default/web").anyHost(prefix("/", "root:80"))
                                .rule("*.foo.com", prefix("/api", "foo:80")))
                        .expect("a.foo.com", "/api", "default/foo:80")
                        .expectNotFound("a.foo.com", "/web"),
                CompilerCase.named("an exact host whose paths do not match goes to its own defaultBackend, not the host-less rules")
                        .given(APPS,
                                ingress("default/any").anyHost(prefix("/", "root:80")),
                                ingress("default/foo").rule("foo.com", prefix("/api", "foo:80")).defaultBackend("bar:80"))
                        .expect("foo.com", "/web", "default/bar:80")
                        .expect("other.com", "/web", "default/root:80"),
                CompilerCase.named("an exact host whose paths do not match goes to the global default, not the host-less rules")
                        .settings(settingsWithDefaultBackend("default/aaa"))
                        .given(APPS,
                                ingress("default/any").anyHost(prefix("/", "root:80")),
                                ingress("default/foo").rule("foo.com", prefix("/api", "foo:80")))
                        .expect("foo.com", "/web", "default/aaa:80")
                        .expect("other.com", "/web", "default/root:80"),
                CompilerCase.named("rules of one host in several Ingress rules are merged")
                        .given(APPS, ingress("default/web").rule("foo.com", prefix("/a", "foo:80"))
                                .rule("foo.com", prefix("/b", "bar:80")))
                        .expect("foo.com", "/a", "default/foo:80")
                        .expect("foo.com", "/b", "default/bar:80"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostCases")
    void hosts(CompilerCase c) {
        c.run();
    }

    // ================================================================ merging Ingresses

    static Stream<CompilerCase> mergeCases() {
        return Stream.of(
                CompilerCase.named("two Ingresses for one host merge their paths")
                        .given(APPS,
                                ingress("default/a").rule(HOST, prefix("/a", "foo:80")),
                                ingress("team/b").rule(HOST, prefix("/b", "bar:80")),
                                app("team/bar", "10.9.0.1"))
                        .expectEndpoints(HOST, "/a/x", "default/foo:80", "10.0.1.1:8080")
                        .expectEndpoints(HOST, "/b/x", "team/bar:80", "10.9.0.1:8080")
                        .expectNotFound(HOST, "/c"),
                CompilerCase.named("conflict: the older Ingress wins although its name sorts last; the newer is warned")
                        .given(APPS,
                                ingress("default/zeta").created("2020-01-01T00:00:00Z").rule(HOST, prefix("/", "foo:80")),
                                ingress("default/alpha").created("2021-06-01T00:00:00Z").rule(HOST, prefix("/", "bar:80"),
                                        prefix("/only-alpha", "aaa:80")))
                        .expect(HOST, "/", "default/foo:80")
                        .expect(HOST, "/x", "default/foo:80")
                        .expect(HOST, "/only-alpha", "default/aaa:80")
                        .problem(WARNING, "default/alpha", "default/zeta", "/"),
                CompilerCase.named("conflict: the older Ingress wins although its name sorts first; the newer is warned")
                        .given(APPS,
                                ingress("default/zeta").created("2021-06-01T00:00:00Z").rule(HOST, prefix("/", "foo:80")),
                                ingress("default/alpha").created("2020-01-01T00:00:00Z").rule(HOST, prefix("/", "bar:80")))
                        .expect(HOST, "/x", "default/bar:80")
                        .problem(WARNING, "default/zeta", "default/alpha"),
                CompilerCase.named("conflict: timestamps compare as instants, not as text")
                        .given(APPS,
                                ingress("default/a").created("2021-01-01T10:00:00.5Z").rule(HOST, exact("/x", "foo:80")),
                                ingress("default/b").created("2021-01-01T10:00:00Z").rule(HOST, exact("/x", "bar:80")))
                        .expect(HOST, "/x", "default/bar:80")
                        .problem(WARNING, "default/a", "default/b"),
                CompilerCase.named("conflict: the API server's timestamps count to the second, whatever the names")
                        .given(APPS,
                                ingress("default/z").created("2022-03-04T05:06:58Z").rule(HOST, exact("/x", "foo:80")),
                                ingress("default/a").created("2022-03-04T05:06:59Z").rule(HOST, exact("/x", "bar:80")),
                                ingress("default/y").created("2021-12-31T23:59:59Z").rule(HOST, exact("/y", "foo:80")),
                                ingress("default/b").created("2022-01-01T00:00:00Z").rule(HOST, exact("/y", "bar:80")),
                                ingress("default/x").created("2022-03-04T23:59:59Z").rule(HOST, exact("/w", "foo:80")),
                                ingress("default/c").created("2022-03-04T24:00:00Z").rule(HOST, exact("/w", "bar:80")))
                        .expect(HOST, "/x", "default/foo:80")
                        .expect(HOST, "/y", "default/foo:80")
                        .expect(HOST, "/w", "default/foo:80")
                        .problem(WARNING, "default/a", "default/z")
                        .problem(WARNING, "default/b", "default/y")
                        .problem(WARNING, "default/c", "default/x"),
                // as ingress-nginx sorts Ingresses: of two as old, the later NAMESPACE/NAME as text comes first
                CompilerCase.named("conflict on a tie in creationTimestamp: namespace/name decides (namespace first)")
                        .given(app("a-ns/svc", "10.1.0.1"), app("b-ns/svc", "10.2.0.1"),
                                ingress("a-ns/zzz").created("2022-01-01T00:00:00Z").rule(HOST, prefix("/p", "svc:80")),
                                ingress("b-ns/aaa").created("2022-01-01T00:00:00Z").rule(HOST, prefix("/p", "svc:80")))
                        .expectEndpoints(HOST, "/p", "b-ns/svc:80", "10.2.0.1:8080")
                        .problem(WARNING, "a-ns/zzz", "b-ns/aaa"),
                CompilerCase.named("conflict on a tie in creationTimestamp: name decides within a namespace")
                        .given(APPS,
                                ingress("default/first").created("2022-01-01T00:00:00Z").rule(HOST, exact("/p", "foo:80")),
                                ingress("default/second").created("2022-01-01T00:00:00Z").rule(HOST, exact("/p", "bar:80")))
                        .expect(HOST, "/p", "default/bar:80")
                        .problem(WARNING, "default/first", "default/second"),
                CompilerCase.named("conflict on a tie: NAMESPACE/NAME compares as one text ('/' after '-')")
                        .given(app("a/svc", "10.1.0.1"), app("a-b/svc", "10.2.0.1"),
                                ingress("a-b/y").created("2022-01-01T00:00:00Z").rule(HOST, prefix("/p", "svc:80")),
                                ingress("a/x").created("2022-01-01T00:00:00Z").rule(HOST, prefix("/p", "svc:80")))
                        .expectEndpoints(HOST, "/p", "a/svc:80", "10.1.0.1:8080")
                        .problem(WARNING, "a-b/y", "a/x"),
                CompilerCase.named("conflict without timestamps: namespace/name decides")
                        .given(APPS,
                                ingress("default/a").rule(HOST, prefix("/p", "foo:80")),
                                ingress("default/b").rule(HOST, prefix("/p", "bar:80")))
                        .expect(HOST, "/p", "default/bar:80")
                        .problem(WARNING, "default/a", "default/b"),
                CompilerCase.named("conflict: an Ingress with a timestamp is newer than one without")
                        .given(APPS,
                                ingress("default/a").created("2022-01-01T00:00:00Z").rule(HOST, prefix("/p", "foo:80")),
                                ingress("default/b").rule(HOST, prefix("/p", "bar:80")))
                        .expect(HOST, "/p", "default/bar:80")
                        .problem(WARNING, "default/a", "default/b"),
                CompilerCase.named("same host, path and type to the same backend: no conflict, no problem")
                        .given(APPS,
                                ingress("default/a").created("2020-01-01T00:00:00Z").rule(HOST, prefix("/p", "foo:80")),
                                ingress("default/b").created("2021-01-01T00:00:00Z").rule(HOST, prefix("/p", "foo:80")))
                        .expect(HOST, "/p", "default/foo:80"),
                CompilerCase.named("same host and path, different types: no conflict, Exact and Prefix both served")
                        .given(APPS,
                                ingress("default/a").created("2020-01-01T00:00:00Z").rule(HOST, prefix("/p", "foo:80")),
                                ingress("default/b").created("2021-01-01T00:00:00Z").rule(HOST, exact("/p", "bar:80")))
                        .expect(HOST, "/p", "default/bar:80")
                        .expect(HOST, "/p/q", "default/foo:80"),
                CompilerCase.named("same path on different hosts: no conflict")
                        .given(APPS,
                                ingress("default/a").created("2020-01-01T00:00:00Z").rule("a.com", prefix("/", "foo:80")),
                                ingress("default/b").created("2021-01-01T00:00:00Z").rule("b.com", prefix("/", "bar:80")))
                        .expect("a.com", "/", "default/foo:80")
                        .expect("b.com", "/", "default/bar:80"),
                CompilerCase.named("Prefix /p and Prefix /p/ are the same path: the older wins, the newer is warned")
                        .given(APPS,
                                ingress("default/a").created("2020-01-01T00:00:00Z").rule(HOST, prefix("/p", "foo:80")),
                                ingress("default/b").created("2021-01-01T00:00:00Z").rule(HOST, prefix("/p/", "bar:80")))
                        .expect(HOST, "/p", "default/foo:80")
                        .expect(HOST, "/p/x", "default/foo:80")
                        .problem(WARNING, "default/b", "default/a"),
                CompilerCase.named("conflict on host-less rules: older wins")
                        .given(APPS,
                                ingress("default/a").created("2020-01-01T00:00:00Z").anyHost(prefix("/", "foo:80")),
                                ingress("default/b").created("2021-01-01T00:00:00Z").anyHost(prefix("/", "bar:80")))
                        .expect("any.com", "/", "default/foo:80")
                        .problem(WARNING, "default/b", "default/a"),
                CompilerCase.named("conflict on a wildcard host: older wins")
                        .given(APPS,
                                ingress("default/a").created("2021-01-01T00:00:00Z").rule("*.x.com", prefix("/", "foo:80")),
                                ingress("default/b").created("2020-01-01T00:00:00Z").rule("*.x.com", prefix("/", "bar:80")))
                        .expect("a.x.com", "/", "default/bar:80")
                        .problem(WARNING, "default/a", "default/b"),
                CompilerCase.named("conflicting defaultBackends for every host: older wins, newer warned")
                        .given(APPS,
                                ingress("default/a").created("2021-01-01T00:00:00Z").defaultBackend("foo:80"),
                                ingress("default/b").created("2020-01-01T00:00:00Z").defaultBackend("bar:80"))
                        .expect("any.com", "/x", "default/bar:80")
                        .problem(WARNING, "default/a", "default/b"),
                CompilerCase.named("conflicting defaultBackends for one host: older wins, newer warned")
                        .given(APPS,
                                ingress("default/a").created("2020-01-01T00:00:00Z")
                                        .rule("foo.com", exact("/a", "aaa:80")).defaultBackend("foo:80"),
                                ingress("default/b").created("2021-01-01T00:00:00Z")
                                        .rule("foo.com", exact("/b", "aaa:80")).defaultBackend("bar:80"))
                        .expect("foo.com", "/x", "default/foo:80")
                        .expect("foo.com", "/b", "default/aaa:80")
                        .problem(WARNING, "default/b", "default/a"),
                CompilerCase.named("a host's default location is its oldest Ingress's: a younger one's defaultBackend is warned")
                        .given(APPS,
                                ingress("default/a").created("2020-01-01T00:00:00Z")
                                        .rule("foo.com", exact("/a", "aaa:80")).defaultBackend("foo:80"),
                                ingress("default/b").created("2021-01-01T00:00:00Z")
                                        .annotation("nginx.ingress.kubernetes.io/proxy-read-timeout", "5")
                                        .rule("foo.com", exact("/b", "aaa:80")).defaultBackend("foo:80"))
                        .expect("foo.com", "/x", "default/foo:80")
                        .problem(WARNING, "default/b", "does not serve host foo.com", "default/a"),
                CompilerCase.named("a younger Ingress's access control that the host's default location lacks is warned of")
                        .given(APPS,
                                ingress("default/open").created("2020-01-01T00:00:00Z")
                                        .rule("foo.com", exact("/a", "aaa:80")).defaultBackend("foo:80"),
                                ingress("default/guarded").created("2021-01-01T00:00:00Z")
                                        .annotation("nginx.ingress.kubernetes.io/whitelist-source-range", "10.0.0.0/8")
                                        .rule("foo.com", exact("/b", "aaa:80")))
                        .expect("foo.com", "/x", "default/foo:80")
                        .problem(WARNING, "default/guarded", "default/open", "do not hold there"),
                CompilerCase.named("server-alias: each alias serves every path of the Ingress's first host")
                        .given(APPS,
                                ingress("default/a").annotation(SERVER_ALIAS, " WWW.example.com,*.alias.test ")
                                        .rule(HOST, prefix("/", "foo:80")).rule("second.test", prefix("/", "bar:80")),
                                ingress("default/b").rule(HOST, prefix("/b", "bar:80")))
                        .expect("www.example.com", "/x", "default/foo:80")
                        .expect("www.example.com", "/b/1", "default/bar:80")
                        .expect("any.alias.test", "/x", "default/foo:80")
                        .expect("second.test", "/x", "default/bar:80"),
                CompilerCase.named("server-alias: a host an Ingress rule names is no alias; of two aliases the older wins")
                        .given(APPS,
                                ingress("default/a").created("2020-01-01T00:00:00Z").annotation(SERVER_ALIAS, "shared.test")
                                        .rule(HOST, prefix("/", "foo:80")),
                                ingress("default/b").created("2021-01-01T00:00:00Z")
                                        .annotation(SERVER_ALIAS, "shared.test,real.test")
                                        .rule("b.test", prefix("/", "bar:80")),
                                ingress("default/c").rule("real.test", prefix("/", "aaa:80")))
                        .expect("shared.test", "/", "default/foo:80")
                        .expect("real.test", "/", "default/aaa:80")
                        .problem(WARNING, "default/b", "server-alias shared.test is already an alias")
                        .problem(WARNING, "default/b", "server-alias real.test is a host an Ingress rule names"),
                CompilerCase.named("server-alias: a host's aliases are the oldest Ingress's, as ingress-nginx")
                        .given(APPS,
                                ingress("default/a").created("2020-01-01T00:00:00Z").annotation(SERVER_ALIAS, "one.test")
                                        .rule(HOST, prefix("/", "foo:80")),
                                ingress("default/b").created("2021-01-01T00:00:00Z").annotation(SERVER_ALIAS, "two.test")
                                        .rule(HOST, prefix("/b", "bar:80")))
                        .expect("one.test", "/b", "default/bar:80")
                        .expectNotFound("two.test", "/b")
                        .problem(WARNING, "default/b", "already has the aliases of Ingress default/a"),
                CompilerCase.named("server-alias without a rule with a host: ignored, and the Ingress is warned")
                        .given(APPS, ingress("default/a").annotation(SERVER_ALIAS, "www.example.com")
                                .anyHost(prefix("/", "foo:80")))
                        .expect("www.example.com", "/", "default/foo:80")
                        .problem(WARNING, "default/a", "server-alias", "no rule with a host"),
                CompilerCase.named("server-alias that is no host name: the Ingress is invalid")
                        .given(APPS, ingress("default/a").annotation(SERVER_ALIAS, "www.example.com,bad_name")
                                .rule(HOST, prefix("/", "foo:80")))
                        .expectNotFound(HOST, "/")
                        .problem(INVALID, "default/a", "server-alias", "bad_name"),
                CompilerCase.named("use-regex on a path that is no regex: matched literally, and the Ingress is warned")
                        .given(APPS, ingress("default/r").annotation(USE_REGEX, "true")
                                .rule(HOST, implementationSpecific("/(v1", "foo:80"), prefix("/v[0-9]/", "bar:80")))
                        .expect(HOST, "/(V1/x", "default/foo:80")
                        .expectNotFound(HOST, "/v1")
                        .expect(HOST, "/v2/x", "default/bar:80")
                        .problem(WARNING, "default/r", "path /(v1 on host example.com is not a regular expression",
                                "matched literally"),
                CompilerCase.named("another Ingress's use-regex makes a path a regex: that path's Ingress is warned")
                        .given(APPS,
                                ingress("default/plain").rule("*.example.com", prefix("/(v1", "foo:80")),
                                ingress("default/r").annotation(USE_REGEX, "true").rule("*.example.com",
                                        prefix("/v[0-9]/", "bar:80")))
                        .expect("a.example.com", "/(v1/x", "default/foo:80")
                        .expect("a.example.com", "/v2/x", "default/bar:80")
                        .problem(WARNING, "default/plain", "path /(v1 on host *.example.com is not a regular expression"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mergeCases")
    void merging(CompilerCase c) {
        c.run();
    }

    // ================================================================ services, ports and endpoints

    private static final List<HasMetadata> WEB_SERVICE = List.of(
            service("default/web", port("http", 80, 8080), port("metrics", 9090, 9091)));

    static Stream<CompilerCase> backendCases() {
        return Stream.of(
                CompilerCase.named("port by name: Ingress port name → Service port → EndpointSlice port of that name")
                        .given(WEB_SERVICE,
                                slice("default/web-1", "web", List.of(slicePort("http", 8080), slicePort("metrics", 9091)),
                                        ready("10.0.0.1"), ready("10.0.0.2")),
                                ingress("default/i").anyHost(prefix("/", "web:http")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080", "10.0.0.2:8080"),
                CompilerCase.named("port by number: Service port 9090 is named metrics → EndpointSlice port metrics")
                        .given(WEB_SERVICE,
                                slice("default/web-1", "web", List.of(slicePort("http", 8080), slicePort("metrics", 9091)),
                                        ready("10.0.0.1")),
                                ingress("default/i").anyHost(prefix("/", "web:9090")))
                        .expectEndpoints(HOST, "/", "default/web:9090", "10.0.0.1:9091"),
                CompilerCase.named("the EndpointSlice port number is used, not the Service targetPort")
                        .given(service("default/web", port("http", 80, 8080)),
                                slice("default/web-1", "web", List.of(slicePort("http", 3000)), ready("10.0.0.1")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:3000"),
                CompilerCase.named("unnamed single-port Service: slice port with empty name")
                        .given(service("default/web", port(null, 80, 8080)),
                                slice("default/web-1", "web", List.of(slicePort("", 8080)), ready("10.0.0.1")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080"),
                CompilerCase.named("unnamed single-port Service: slice port without a name")
                        .given(service("default/web", port(null, 80, 8080)),
                                slice("default/web-1", "web", List.of(slicePort(null, 8080)), ready("10.0.0.1")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080"),
                CompilerCase.named("slice ports of other names are not used")
                        .given(service("default/web", port("http", 80, 8080)),
                                slice("default/web-1", "web", List.of(slicePort("grpc", 9000)), ready("10.0.0.1")),
                                ingress("default/i").anyHost(prefix("/", "web:http")))
                        .expectEndpoints(HOST, "/", "default/web:80"),
                CompilerCase.named("ready: false excluded; ready unset and conditions absent count as ready")
                        .given(service("default/web", port(null, 80, 8080)),
                                slice("default/web-1", "web", List.of(slicePort("", 8080)),
                                        ready("10.0.0.1"), notReady("10.0.0.2"), readyUnset("10.0.0.3"),
                                        noConditions("10.0.0.4")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080", "10.0.0.3:8080", "10.0.0.4:8080"),
                CompilerCase.named("terminating endpoints take no new requests, even when they say ready")
                        .given(service("default/web", port(null, 80, 8080)),
                                slice("default/web-1", "web", List.of(slicePort("", 8080)),
                                        ready("10.0.0.1"), terminating("10.0.0.2")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080"),
                CompilerCase.named("all endpoints not ready: backend without endpoints, no problem")
                        .given(service("default/web", port(null, 80, 8080)),
                                slice("default/web-1", "web", List.of(slicePort("", 8080)), notReady("10.0.0.2")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80"),
                CompilerCase.named("slices are found by the kubernetes.io/service-name label in the Service's namespace")
                        .given(service("default/web", port(null, 80, 8080)),
                                slice("default/web-a", "web", List.of(slicePort("", 8080)), ready("10.0.0.1")),
                                slice("default/xyz", "web", List.of(slicePort("", 8080)), ready("10.0.0.2")),
                                slice("default/web-other", "other", List.of(slicePort("", 8080)), ready("10.0.0.3")),
                                unlabelledSlice("default/web-b", List.of(slicePort("", 8080)), ready("10.0.0.4")),
                                slice("elsewhere/web-a", "web", List.of(slicePort("", 8080)), ready("10.0.0.5")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080", "10.0.0.2:8080"),
                CompilerCase.named("an address in two slices is one endpoint")
                        .given(service("default/web", port(null, 80, 8080)),
                                slice("default/web-a", "web", List.of(slicePort("", 8080)), ready("10.0.0.1")),
                                slice("default/web-b", "web", List.of(slicePort("", 8080)), ready("10.0.0.1"), ready("10.0.0.2")),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080", "10.0.0.2:8080"),
                CompilerCase.named("no EndpointSlices: the Endpoints object is used, notReadyAddresses excluded")
                        .given(service("default/web", port("http", 80, 8080)),
                                endpoints("default/web", List.of("10.0.0.1", "10.0.0.2"), List.of("10.0.0.3"),
                                        List.of(endpointsPort("http", 8080), endpointsPort("other", 9999))),
                                ingress("default/i").anyHost(prefix("/", "web:http")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080", "10.0.0.2:8080"),
                CompilerCase.named("no EndpointSlices: Endpoints of an unnamed port")
                        .given(service("default/web", port(null, 80, 8080)),
                                endpoints("default/web", List.of("10.0.0.1"), List.of(), List.of(endpointsPort(null, 8080))),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080"),
                CompilerCase.named("EndpointSlices present: the Endpoints object is not used")
                        .given(service("default/web", port(null, 80, 8080)),
                                slice("default/web-a", "web", List.of(slicePort("", 8080)), ready("10.0.0.1")),
                                endpoints("default/web", List.of("10.0.0.9"), List.of(), List.of(endpointsPort(null, 8080))),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080"),
                CompilerCase.named("Service with neither slices nor Endpoints: backend without endpoints, no problem")
                        .given(service("default/web", port(null, 80, 8080)),
                                ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80"),
                CompilerCase.named("missing Service: backend without endpoints (503, not 404) and a WARNING")
                        .given(APPS, ingress("default/i").anyHost(prefix("/", "ghost:80"), prefix("/foo", "foo:80")))
                        .expectEndpoints(HOST, "/", "default/ghost:80")
                        .expectEndpoints(HOST, "/foo", "default/foo:80", "10.0.1.1:8080")
                        .problem(WARNING, "default/i", "default/ghost", "not found"),
                CompilerCase.named("Service of the same name in another namespace does not count")
                        .given(app("other/web", "10.0.0.1"), ingress("default/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "default/web:80")
                        .problem(WARNING, "default/i", "default/web", "not found"),
                CompilerCase.named("Service without that port number: backend without endpoints and a WARNING")
                        .given(WEB_SERVICE,
                                slice("default/web-1", "web", List.of(slicePort("http", 8080)), ready("10.0.0.1")),
                                ingress("default/i").anyHost(prefix("/", "web:8080")))
                        .expectEndpoints(HOST, "/", "default/web:8080")
                        .problem(WARNING, "default/i", "default/web", "8080"),
                CompilerCase.named("Service without that port name: backend without endpoints and a WARNING")
                        .given(WEB_SERVICE,
                                slice("default/web-1", "web", List.of(slicePort("http", 8080)), ready("10.0.0.1")),
                                ingress("default/i").anyHost(prefix("/", "web:grpc")))
                        .expectEndpoints(HOST, "/", "default/web:grpc")
                        .problem(WARNING, "default/i", "default/web", "grpc"),
                CompilerCase.named("missing Service for a defaultBackend: WARNING")
                        .given(ingress("default/i").defaultBackend("ghost:80"))
                        .expectEndpoints(HOST, "/", "default/ghost:80")
                        .problem(WARNING, "default/i", "default/ghost", "not found"),
                CompilerCase.named("backends resolve in the Ingress's namespace")
                        .given(app("default/web", "10.0.0.1"), app("team/web", "10.0.0.2"),
                                ingress("team/i").anyHost(prefix("/", "web:80")))
                        .expectEndpoints(HOST, "/", "team/web:80", "10.0.0.2:8080"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backendCases")
    void backends(CompilerCase c) {
        c.run();
    }

    @Test
    void anInvalidEditOfTheIngressAskingForClientCertificatesLeavesItsHostAsking() {
        TestCertificates clients = new TestCertificates("CN=Clients");
        Secret ca = new SecretBuilder().withNewMetadata().withNamespace("default").withName("clients").endMetadata()
                .withType("Opaque").withStringData(Map.of("ca.crt", clients.caPem())).build();
        Object open = ingress("default/open").created("2021-01-01T00:00:00Z").rule(HOST, prefix("/", "bar:80"));
        CompilerCase c = CompilerCase.named("auth-tls owner edited to an invalid depth")
                .previously(APPS, ca, open, ingress("default/owner").created("2020-01-01T00:00:00Z")
                        .annotation(NGINX_PREFIX + "auth-tls-secret", "clients")
                        .rule(HOST, prefix("/admin", "foo:80")))
                .given(APPS, ca, open, ingress("default/owner").created("2020-01-01T00:00:00Z")
                        .annotation(NGINX_PREFIX + "auth-tls-secret", "clients")
                        .annotation(NGINX_PREFIX + "auth-tls-verify-depth", "two")
                        .rule(HOST, prefix("/admin", "foo:80")))
                .expectDenied(HOST, "/admin")
                .expect(HOST, "/", "default/bar:80")
                .problem(INVALID, "default/owner", "auth-tls-verify-depth", "its paths answer 503");
        c.run();
        // its pods are no backend of the table any more: connections upgraded through it are closed
        assertThat(c.compile().table().backendsByName()).containsKey("default/bar:80").doesNotContainKey("default/foo:80");
        // the host still asks, for every Ingress's paths on it
        RoutePolicy.ClientCertificates asked = c.compile().table().resolve(HOST, "/").host().clientCertificates();
        assertThat(asked).isNotNull();
        assertThat(asked.authority().authorities()).containsExactly(clients.ca());

        // with no valid version to remember (a restart): the host asks, with no authority to pass anyone
        CompilerCase fresh = CompilerCase.named("auth-tls owner invalid from the start")
                .given(APPS, ca, open, ingress("default/owner").created("2020-01-01T00:00:00Z")
                        .annotation(NGINX_PREFIX + "auth-tls-secret", "clients")
                        .annotation(NGINX_PREFIX + "auth-tls-verify-depth", "two")
                        .rule(HOST, prefix("/admin", "foo:80")))
                .expectDenied(HOST, "/admin")
                .expect(HOST, "/", "default/bar:80")
                .problem(INVALID, "default/owner", "auth-tls-verify-depth", "its paths answer 503");
        fresh.run();
        // a younger Ingress of the host asking for the authorities, beside the one asking with none: no failure
        CompilerCase younger = CompilerCase.named("auth-tls owner invalid from the start, a younger one asking")
                .given(APPS, ca, open, ingress("default/owner").created("2020-01-01T00:00:00Z")
                        .annotation(NGINX_PREFIX + "auth-tls-secret", "clients")
                        .annotation(NGINX_PREFIX + "auth-tls-verify-depth", "two")
                        .rule(HOST, prefix("/admin", "foo:80")),
                        ingress("default/asking").created("2022-01-01T00:00:00Z")
                                .annotation(NGINX_PREFIX + "auth-tls-secret", "clients")
                                .rule(HOST, prefix("/api", "root:80")))
                .expectDenied(HOST, "/admin")
                // the younger one's path is not served under other settings; the host refuses every request anyway
                .expect(HOST, "/api", "default/bar:80")
                .problem(INVALID, "default/owner", "auth-tls-verify-depth", "its paths answer 503")
                .problem(WARNING, "default/asking", "auth-tls annotations", "default/owner", "not served");
        younger.run();
        assertThat(younger.compile().table().resolve(HOST, "/api").host().clientCertificates().authority()).isNull();
        // an older Ingress owning the host's other settings: the denied one's paths stay its own, answered 503
        CompilerCase owned = CompilerCase.named("denied beside an older owner of the host's client certificates")
                .given(APPS, ca, open, ingress("default/older").created("2019-01-01T00:00:00Z")
                        .annotation(NGINX_PREFIX + "auth-tls-secret", "clients")
                        .rule(HOST, prefix("/old", "root:80")),
                        ingress("default/owner").created("2020-01-01T00:00:00Z")
                        .annotation(NGINX_PREFIX + "auth-tls-secret", "clients")
                        .annotation(NGINX_PREFIX + "auth-tls-verify-depth", "two")
                        .rule(HOST, prefix("/admin", "foo:80")))
                .expectDenied(HOST, "/admin")
                .problem(INVALID, "default/owner", "auth-tls-verify-depth", "its paths answer 503");
        owned.run();
        RoutePolicy.ClientCertificates refusing = fresh.compile().table().resolve(HOST, "/").host().clientCertificates();
        assertThat(refusing).isNotNull();
        assertThat(refusing.authority()).isNull();

        // denied for its users' Secret: the host keeps asking for certificates of its readable authorities
        CompilerCase usersGone = CompilerCase.named("auth-tls owner whose users are gone")
                .previously(APPS, ca, open, users(), ingress("default/owner").created("2020-01-01T00:00:00Z")
                        .annotation(NGINX_PREFIX + "auth-tls-secret", "clients")
                        .annotation(NGINX_PREFIX + "auth-type", "basic").annotation(NGINX_PREFIX + "auth-secret", "users")
                        .rule(HOST, prefix("/admin", "foo:80")))
                .given(APPS, ca, open, ingress("default/owner").created("2020-01-01T00:00:00Z")
                        .annotation(NGINX_PREFIX + "auth-tls-secret", "clients")
                        .annotation(NGINX_PREFIX + "auth-type", "basic").annotation(NGINX_PREFIX + "auth-secret", "users")
                        .rule(HOST, prefix("/admin", "foo:80")))
                .expectDenied(HOST, "/admin")
                .problem(INVALID, "default/owner", "default/users", "its paths answer 503");
        usersGone.run();
        assertThat(usersGone.compile().table().resolve(HOST, "/").host().clientCertificates().authority()).isNotNull();
    }

    private static Secret users() {
        return new SecretBuilder().withNewMetadata().withNamespace("default").withName("users").endMetadata()
                .withType("Opaque").withStringData(Map.of("auth", "alice:{SHA}" + java.util.Base64.getEncoder()
                        .encodeToString(sha1("secret")) + "\n")).build();
    }

    private static byte[] sha1(String text) {
        try {
            return java.security.MessageDigest.getInstance("SHA-1").digest(text.getBytes(
                    java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void clientCertificatesAreTheHostsAsItsOldestIngressAskingSays() {
        TestCertificates clients = new TestCertificates("CN=Clients");
        Secret ca = new SecretBuilder().withNewMetadata().withNamespace("default").withName("clients").endMetadata()
                .withType("Opaque").withStringData(Map.of("ca.crt", clients.caPem())).build();
        String secret = NGINX_PREFIX + "auth-tls-secret";
        CompilerCase c = CompilerCase.named("auth-tls: the host's, from its oldest Ingress asking")
                .given(APPS, ca,
                        // asks for none: served under what the host asks for
                        ingress("default/a").created("2020-01-01T00:00:00Z").rule(HOST, prefix("/", "foo:80")),
                        ingress("default/b").created("2021-01-01T00:00:00Z").annotation(secret, "clients")
                                .rule(HOST, prefix("/b", "bar:80")),
                        // asks for less: not served on the host rather than under weaker authentication
                        ingress("default/c").created("2022-01-01T00:00:00Z").annotation(secret, "clients")
                                .annotation(NGINX_PREFIX + "auth-tls-verify-client", "optional")
                                .rule(HOST, prefix("/c", "aaa:80")),
                        // asks alike: served
                        ingress("default/d").created("2023-01-01T00:00:00Z").annotation(secret, "clients")
                                .rule(HOST, prefix("/d", "root:80")),
                        // its authorities cannot be read: served, but its hosts refuse every request
                        ingress("default/e").annotation(secret, "missing").rule("other.test", prefix("/", "foo:80")),
                        ingress("default/f").rule("other.test", prefix("/f", "bar:80")),
                        // a default backend for every host cannot ask every host: not served, nor made everyone's
                        ingress("default/g").annotation(secret, "clients").defaultBackend("aaa:80"))
                .expect(HOST, "/b", "default/bar:80")
                .expect(HOST, "/c", "default/foo:80")
                .expect(HOST, "/d", "default/root:80")
                .expect("other.test", "/", "default/foo:80")
                .problem(WARNING, "default/c", "auth-tls annotations", "default/b", "not served")
                .expectNotFound("unknown.test", "/")
                .problem(WARNING, "default/e", "auth-tls-secret", "default/missing does not exist", "403")
                .problem(WARNING, "default/g", "defaultBackend for every host", "not served");
        c.run();
        RoutingTable table = c.compile().table();
        RoutePolicy.ClientCertificates asked = table.resolve(HOST, "/").host().clientCertificates();
        assertThat(asked.verify()).isEqualTo(RoutePolicy.ClientCertificates.Verify.ON);
        assertThat(asked.authority().authorities()).containsExactly(clients.ca());
        // a handshake for the host's name asks for the same
        assertThat(table.clientCertificates("Example.COM")).isSameAs(asked);
        assertThat(table.clientCertificates("unknown.test")).isNull();
        // an unreadable Secret leaves the host asking with no authorities: every path of it, any Ingress's, refused
        assertThat(table.resolve("other.test", "/f").host().clientCertificates().authority()).isNull();
    }

    @Test
    void endpointOrderDoesNotDependOnSliceOrder() {
        var service = service("default/web", port(null, 80, 8080));
        var ingress = ingress("default/i").anyHost(prefix("/", "web:80"));
        List<EndpointSlice> slices = List.of(
                slice("default/web-a", "web", List.of(slicePort("", 8080)), ready("10.0.0.3"), ready("10.0.0.1")),
                slice("default/web-b", "web", List.of(slicePort("", 8080)), ready("10.0.0.2")));
        List<EndpointSlice> reversed = new ArrayList<>(List.of(
                slice("default/web-a", "web", List.of(slicePort("", 8080)), ready("10.0.0.1"), ready("10.0.0.3")),
                slice("default/web-b", "web", List.of(slicePort("", 8080)), ready("10.0.0.2"))));
        Collections.reverse(reversed);

        var one = new IngressCompiler(Fixtures.settings())
                .compile(Fixtures.state(caravanClass(), service, ingress, slices), Compilation.EMPTY);
        var other = new IngressCompiler(Fixtures.settings())
                .compile(Fixtures.state(caravanClass(), ingress, reversed, service), Compilation.EMPTY);

        var endpoints = one.table().resolve(HOST, "/").backend().endpoints();
        assertThat(endpoints).hasSize(3);
        assertThat(other.table().resolve(HOST, "/").backend().endpoints()).isEqualTo(endpoints);
    }

    // ================================================================ default backends

    static Stream<CompilerCase> defaultBackendCases() {
        return Stream.of(
                CompilerCase.named("spec.defaultBackend serves unmatched paths on that Ingress's hosts only")
                        .given(APPS, ingress("default/i").rule("foo.com", prefix("/api", "foo:80")).defaultBackend("bar:80"))
                        .expect("foo.com", "/api", "default/foo:80")
                        .expectEndpoints("foo.com", "/other", "default/bar:80", "10.0.2.1:8080")
                        .expectNotFound("other.com", "/api"),
                CompilerCase.named("spec.defaultBackend covers every host the Ingress names, including wildcards")
                        .given(APPS, ingress("default/i").rule("a.com", prefix("/a", "foo:80"))
                                .rule("*.b.com", prefix("/b", "foo:80")).defaultBackend("bar:80"))
                        .expect("a.com", "/x", "default/bar:80")
                        .expect("x.b.com", "/x", "default/bar:80")
                        .expectNotFound("c.com", "/x"),
                CompilerCase.named("spec.defaultBackend of an Ingress with a host-less rule serves every unnamed host")
                        .given(APPS, ingress("default/i").anyHost(prefix("/api", "foo:80")).defaultBackend("bar:80"))
                        .expect("any.com", "/api", "default/foo:80")
                        .expect("any.com", "/x", "default/bar:80"),
                CompilerCase.named("spec.defaultBackend does not serve another Ingress's hosts")
                        .given(APPS,
                                ingress("default/i").rule("foo.com", prefix("/api", "foo:80")).defaultBackend("bar:80"),
                                ingress("default/j").rule("other.com", prefix("/api", "foo:80")))
                        .expect("foo.com", "/x", "default/bar:80")
                        .expectNotFound("other.com", "/x"),
                CompilerCase.named("an Ingress with only a defaultBackend serves every host no rule names")
                        .given(APPS,
                                ingress("default/catchall").defaultBackend("root:80"),
                                ingress("default/j").rule("foo.com", prefix("/api", "foo:80")))
                        .expectEndpoints("any.com", "/", "default/root:80", "10.0.3.1:8080")
                        .expect(null, "/x/y", "default/root:80")
                        .expect("foo.com", "/api", "default/foo:80")
                        .expectNotFound("foo.com", "/x"),
                CompilerCase.named("global default backend (first Service port) serves what nothing matches")
                        .settings(settingsWithDefaultBackend("default/fallback"))
                        .given(APPS,
                                service("default/fallback", port("http", 8080, 9000), port("admin", 8081, 9001)),
                                slice("default/fallback-1", "fallback", List.of(slicePort("http", 9000), slicePort("admin", 9001)),
                                        ready("10.0.9.1")),
                                ingress("default/j").rule("foo.com", prefix("/api", "foo:80")))
                        .expectEndpoints("foo.com", "/x", "default/fallback:8080", "10.0.9.1:9000")
                        .expectEndpoints("other.com", "/", "default/fallback:8080", "10.0.9.1:9000")
                        .expect("foo.com", "/api", "default/foo:80"),
                CompilerCase.named("global default backend with no Ingresses at all")
                        .settings(settingsWithDefaultBackend("default/root"))
                        .given(APPS)
                        .expectEndpoints("any.com", "/", "default/root:80", "10.0.3.1:8080"),
                CompilerCase.named("an Ingress's defaultBackend wins over the global default for its hosts")
                        .settings(settingsWithDefaultBackend("default/root"))
                        .given(APPS, ingress("default/i").rule("foo.com", prefix("/api", "foo:80")).defaultBackend("bar:80"))
                        .expect("foo.com", "/x", "default/bar:80")
                        .expect("other.com", "/x", "default/root:80"),
                CompilerCase.named("host-less rules that do not match fall to the global default")
                        .settings(settingsWithDefaultBackend("default/root"))
                        .given(APPS, ingress("default/i").anyHost(prefix("/api", "foo:80")))
                        .expect("any.com", "/api", "default/foo:80")
                        .expect("any.com", "/x", "default/root:80"),
                CompilerCase.named("global default backend Service missing: a backend without endpoints (503)")
                        .settings(settingsWithDefaultBackend("default/ghost"))
                        .given(APPS)
                        .expectEndpoints("any.com", "/", "default/ghost"),
                CompilerCase.named("no default anywhere: 404")
                        .given(APPS, ingress("default/i").rule("foo.com", prefix("/api", "foo:80")))
                        .expectNotFound("foo.com", "/x")
                        .expectNotFound("other.com", "/api"),
                CompilerCase.named("nothing at all: 404")
                        .given()
                        .expectNotFound(HOST, "/"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("defaultBackendCases")
    void defaultBackends(CompilerCase c) {
        c.run();
    }

    // ================================================================ class selection

    private static final String NGINX = "k8s.io/ingress-nginx";

    static Stream<CompilerCase> classCases() {
        return Stream.of(
                CompilerCase.named("ingressClassName naming an IngressClass of our controller: ours")
                        .given(APPS, ingress("default/i").className("caravan").anyHost(prefix("/", "foo:80")))
                        .expect(HOST, "/", "default/foo:80"),
                CompilerCase.named("ingressClassName naming our IngressClass under another name: ours")
                        .withoutOurIngressClass()
                        .given(APPS, ingressClass("edge", OUR_CONTROLLER),
                                ingress("default/i").className("edge").anyHost(prefix("/", "foo:80")))
                        .expect(HOST, "/", "default/foo:80"),
                CompilerCase.named("ingressClassName naming another controller's IngressClass: ignored, no problems")
                        .given(APPS, ingressClass("nginx", NGINX),
                                ingress("default/valid").className("nginx").anyHost(prefix("/", "foo:80")),
                                ingress("default/broken").className("nginx").anyHost(prefix("/x", "ghost:80"),
                                        path(null, "nopath", "foo:80")))
                        .expectNotFound(HOST, "/")
                        .expectNotFound(HOST, "/x"),
                CompilerCase.named("ingressClassName caravan, but the IngressClass caravan belongs to another controller: ignored")
                        .withoutOurIngressClass()
                        .given(APPS, ingressClass("caravan", NGINX),
                                ingress("default/i").className("caravan").anyHost(prefix("/", "foo:80")))
                        .expectNotFound(HOST, "/"),
                CompilerCase.named("ingressClassName naming a non-existent IngressClass: ignored, no problems")
                        .given(APPS, ingress("default/i").className("ghost").anyHost(prefix("/", "bar:80"), prefix("/y", "nope:80")))
                        .expectNotFound(HOST, "/"),
                CompilerCase.named("ingressClassName caravan without any IngressClass object: ignored")
                        .withoutOurIngressClass()
                        .given(APPS, ingress("default/i").className("caravan").anyHost(prefix("/", "foo:80")))
                        .expectNotFound(HOST, "/"),
                CompilerCase.named("annotation kubernetes.io/ingress.class: caravan → ours, even without an IngressClass")
                        .withoutOurIngressClass()
                        .given(APPS, ingress("default/i").classAnnotation("caravan").anyHost(prefix("/", "foo:80")))
                        .expect(HOST, "/", "default/foo:80"),
                CompilerCase.named("annotation kubernetes.io/ingress.class: nginx → ignored, no problems")
                        .given(APPS, ingress("default/i").classAnnotation("nginx").anyHost(prefix("/", "foo:80"), prefix("/g", "ghost:80")))
                        .expectNotFound(HOST, "/"),
                CompilerCase.named("annotation matches the configured ingressClass, not the literal caravan")
                        .settings(settingsWithClass("edge"))
                        .given(APPS,
                                ingress("default/edge").classAnnotation("edge").rule("a.com", prefix("/", "foo:80")),
                                ingress("default/caravan").classAnnotation("caravan").rule("b.com", prefix("/", "bar:80")))
                        .expect("a.com", "/", "default/foo:80")
                        .expectNotFound("b.com", "/"),
                CompilerCase.named("no class at all: ignored by default")
                        .given(APPS, ingress("default/i").noClass().anyHost(prefix("/", "foo:80"), prefix("/g", "ghost:80")))
                        .expectNotFound(HOST, "/"),
                CompilerCase.named("no class at all with watchIngressWithoutClass: ours")
                        .settings(settingsWatchingIngressWithoutClass())
                        .given(APPS, ingress("default/i").noClass().anyHost(prefix("/", "foo:80")))
                        .expect(HOST, "/", "default/foo:80"),
                CompilerCase.named("watchIngressWithoutClass does not claim Ingresses of other classes")
                        .settings(settingsWatchingIngressWithoutClass())
                        .given(APPS, ingressClass("nginx", NGINX),
                                ingress("default/a").className("nginx").rule("a.com", prefix("/", "foo:80")),
                                ingress("default/b").classAnnotation("nginx").rule("b.com", prefix("/", "foo:80")))
                        .expectNotFound("a.com", "/")
                        .expectNotFound("b.com", "/"),
                CompilerCase.named("no class at all, our IngressClass is-default-class true: ours")
                        .withoutOurIngressClass()
                        .given(APPS, defaultIngressClass("caravan", OUR_CONTROLLER, "true"),
                                ingress("default/i").noClass().anyHost(prefix("/", "foo:80")))
                        .expect(HOST, "/", "default/foo:80"),
                CompilerCase.named("no class at all, our IngressClass is-default-class false: ignored")
                        .withoutOurIngressClass()
                        .given(APPS, defaultIngressClass("caravan", OUR_CONTROLLER, "false"),
                                ingress("default/i").noClass().anyHost(prefix("/", "foo:80")))
                        .expectNotFound(HOST, "/"),
                CompilerCase.named("no class at all, another controller's IngressClass is the default: ignored")
                        .given(APPS, defaultIngressClass("nginx", NGINX, "true"),
                                ingress("default/i").noClass().anyHost(prefix("/", "foo:80")))
                        .expectNotFound(HOST, "/"),
                CompilerCase.named("our default IngressClass does not claim Ingresses naming another class")
                        .withoutOurIngressClass()
                        .given(APPS, defaultIngressClass("caravan", OUR_CONTROLLER, "true"), ingressClass("nginx", NGINX),
                                ingress("default/a").className("nginx").rule("a.com", prefix("/", "foo:80")),
                                ingress("default/b").classAnnotation("nginx").rule("b.com", prefix("/", "foo:80")),
                                ingress("default/c").noClass().rule("c.com", prefix("/", "foo:80")))
                        .expectNotFound("a.com", "/")
                        .expectNotFound("b.com", "/")
                        .expect("c.com", "/", "default/foo:80"),
                CompilerCase.named("ignored Ingresses take no part in conflicts")
                        .given(APPS, ingressClass("nginx", NGINX),
                                ingress("default/old").created("2020-01-01T00:00:00Z").className("nginx").anyHost(prefix("/", "bar:80")),
                                ingress("default/new").created("2024-01-01T00:00:00Z").anyHost(prefix("/", "foo:80")))
                        .expect(HOST, "/", "default/foo:80"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("classCases")
    void classSelection(CompilerCase c) {
        c.run();
    }

    // ================================================================ invalid Ingresses

    private static final String GOOD_TIME = "2020-01-01T00:00:00Z";

    static Stream<CompilerCase> validationCases() {
        return Stream.of(
                CompilerCase.named("missing pathType: INVALID naming the field, not served; other Ingresses unaffected")
                        .given(APPS,
                                ingress("default/bad").rule("bad.com", path(null, "/", "foo:80")),
                                ingress("default/good").rule("good.com", prefix("/", "bar:80")))
                        .expectNotFound("bad.com", "/")
                        .expect("good.com", "/", "default/bar:80")
                        .problem(INVALID, "default/bad", "spec.rules[0].http.paths[0].pathType", "not served"),
                CompilerCase.named("unknown pathType: INVALID naming the field")
                        .given(APPS, ingress("default/bad").rule("bad.com", path("Regex", "/", "foo:80")))
                        .expectNotFound("bad.com", "/")
                        .problem(INVALID, "default/bad", "spec.rules[0].http.paths[0].pathType", "Regex"),
                CompilerCase.named("path not starting with '/': INVALID naming the field")
                        .given(APPS, ingress("default/bad").rule("bad.com", prefix("foo", "foo:80")))
                        .expectNotFound("bad.com", "/foo")
                        .problem(INVALID, "default/bad", "spec.rules[0].http.paths[0].path"),
                CompilerCase.named("path with a space: INVALID naming the field")
                        .given(APPS, ingress("default/bad").rule("bad.com", prefix("/a b", "foo:80")))
                        .expectNotFound("bad.com", "/a b")
                        .problem(INVALID, "default/bad", "spec.rules[0].http.paths[0].path"),
                CompilerCase.named("field names carry the rule and path index")
                        .given(APPS, ingress("default/bad")
                                .rule("a.com", prefix("/", "foo:80"))
                                .rule("b.com", prefix("/", "foo:80"), prefix("/x", "foo:80"), exact("x", "foo:80")))
                        .expectNotFound("a.com", "/")
                        .problem(INVALID, "default/bad", "spec.rules[1].http.paths[2].path"),
                CompilerCase.named("upper-case host: INVALID naming the field")
                        .given(APPS, ingress("default/bad").rule("Foo.com", prefix("/", "foo:80")))
                        .expectNotFound("foo.com", "/")
                        .problem(INVALID, "default/bad", "spec.rules[0].host", "Foo.com"),
                CompilerCase.named("host with an underscore: INVALID naming the field")
                        .given(APPS, ingress("default/bad").rule("foo_bar.com", prefix("/", "foo:80")))
                        .expectNotFound("foo_bar.com", "/")
                        .problem(INVALID, "default/bad", "spec.rules[0].host"),
                CompilerCase.named("host with an empty label: INVALID")
                        .given(APPS, ingress("default/bad").rule("foo..com", prefix("/", "foo:80")))
                        .expectNotFound("foo..com", "/")
                        .problem(INVALID, "default/bad", "spec.rules[0].host"),
                CompilerCase.named("IP address as host: INVALID")
                        .given(APPS, ingress("default/bad").rule("10.0.0.1", prefix("/", "foo:80")))
                        .expectNotFound("10.0.0.1", "/")
                        .problem(INVALID, "default/bad", "spec.rules[0].host"),
                CompilerCase.named("wildcard not in the first label: INVALID")
                        .given(APPS, ingress("default/bad").rule("foo.*.com", prefix("/", "foo:80")))
                        .expectNotFound("foo.x.com", "/")
                        .problem(INVALID, "default/bad", "spec.rules[0].host"),
                CompilerCase.named("port with both number and name: INVALID naming the field")
                        .given(APPS, ingress("default/bad").rule("bad.com",
                                pathTo("/", backend("foo", new ServiceBackendPort("http", 80)))))
                        .expectNotFound("bad.com", "/")
                        .problem(INVALID, "default/bad", "spec.rules[0].http.paths[0].backend.service.port"),
                CompilerCase.named("port with neither number nor name: INVALID naming the field")
                        .given(APPS, ingress("default/bad").rule("bad.com",
                                pathTo("/", backend("foo", new ServiceBackendPort(null, null)))))
                        .expectNotFound("bad.com", "/")
                        .problem(INVALID, "default/bad", "spec.rules[0].http.paths[0].backend.service.port"),
                CompilerCase.named("port number out of range: INVALID naming the field")
                        .given(APPS, ingress("default/bad").rule("bad.com", prefix("/", "foo:70000")))
                        .expectNotFound("bad.com", "/")
                        .problem(INVALID, "default/bad", "spec.rules[0].http.paths[0].backend.service.port.number"),
                CompilerCase.named("invalid defaultBackend port: INVALID naming spec.defaultBackend")
                        .given(APPS, ingress("default/bad").rule("bad.com", prefix("/", "foo:80"))
                                .defaultBackend(backend("bar", new ServiceBackendPort(null, null))))
                        .expectNotFound("bad.com", "/")
                        .problem(INVALID, "default/bad", "spec.defaultBackend.service.port"),
                CompilerCase.named("neither rules nor defaultBackend: INVALID")
                        .given(APPS, ingress("default/bad"))
                        .expectNotFound(HOST, "/")
                        .problem(INVALID, "default/bad", "neither rules nor a defaultBackend"),
                CompilerCase.named("an invalid Ingress takes no part in conflicts: the newer valid one serves")
                        .given(APPS,
                                ingress("default/old").created("2020-01-01T00:00:00Z")
                                        .rule(HOST, prefix("/", "bar:80"), path(null, "/x", "bar:80")),
                                ingress("default/new").created("2024-01-01T00:00:00Z").rule(HOST, prefix("/", "foo:80")))
                        .expect(HOST, "/", "default/foo:80")
                        .problem(INVALID, "default/old", "pathType"),
                CompilerCase.named("last good version keeps serving after an invalid edit")
                        .previously(APPS, ingress("default/i").created(GOOD_TIME).rule(HOST, prefix("/v1", "foo:80")))
                        .given(APPS, ingress("default/i").created(GOOD_TIME).rule(HOST, path(null, "/v2", "bar:80")))
                        .expect(HOST, "/v1", "default/foo:80")
                        .expectNotFound(HOST, "/v2")
                        .problem(INVALID, "default/i", "pathType", "serving its last valid version"),
                CompilerCase.named("last good version survives several invalid compilations in a row")
                        .previously(APPS, ingress("default/i").created(GOOD_TIME).rule(HOST, prefix("/v1", "foo:80")))
                        .previously(APPS, ingress("default/i").created(GOOD_TIME).rule(HOST, path(null, "/v2", "bar:80")))
                        .given(APPS, ingress("default/i").created(GOOD_TIME).rule(HOST, prefix("v3", "bar:80")))
                        .expect(HOST, "/v1", "default/foo:80")
                        .problem(INVALID, "default/i", "spec.rules[0].http.paths[0].path", "serving its last valid version"),
                CompilerCase.named("a later valid edit replaces the last good version")
                        .previously(APPS, ingress("default/i").created(GOOD_TIME).rule(HOST, prefix("/v1", "foo:80")))
                        .previously(APPS, ingress("default/i").created(GOOD_TIME).rule(HOST, path(null, "/v2", "bar:80")))
                        .given(APPS, ingress("default/i").created(GOOD_TIME).rule(HOST, prefix("/v3", "bar:80")))
                        .expect(HOST, "/v3", "default/bar:80")
                        .expectNotFound(HOST, "/v1"),
                CompilerCase.named("the last good version is of that Ingress only; others keep theirs")
                        .previously(APPS,
                                ingress("default/i").rule("i.com", prefix("/", "foo:80")),
                                ingress("default/j").rule("j.com", prefix("/", "bar:80")))
                        .given(APPS,
                                ingress("default/i").rule("i.com", path("Bogus", "/", "bar:80")),
                                ingress("default/j").rule("j.com", prefix("/", "aaa:80")))
                        .expect("i.com", "/", "default/foo:80")
                        .expect("j.com", "/", "default/aaa:80")
                        .problem(INVALID, "default/i", "Bogus"),
                CompilerCase.named("an invalid edit asking for authentication the last good version lacks: not served")
                        .previously(APPS, ingress("default/i").created(GOOD_TIME).rule(HOST, prefix("/", "foo:80")))
                        .given(APPS, ingress("default/i").created(GOOD_TIME)
                                .annotation(NGINX_PREFIX + "auth-type", "basic")
                                .annotation(NGINX_PREFIX + "auth-secret", "users")
                                .annotation(NGINX_PREFIX + "auth-realm", "say \"hi\"")
                                .rule(HOST, prefix("/", "foo:80")))
                        .expectDenied(HOST, "/")
                        .problem(INVALID, "default/i", "auth-realm", "its paths answer 503", "now asks for",
                                NGINX_PREFIX + "auth-type"),
                CompilerCase.named("an invalid edit adding a source range the last good version lacks: not served")
                        .previously(APPS, ingress("default/i").created(GOOD_TIME).rule(HOST, prefix("/", "foo:80")))
                        .given(APPS, ingress("default/i").created(GOOD_TIME)
                                .annotation(NGINX_PREFIX + "allowlist-source-range", "10.0.0.0/8")
                                .annotation(NGINX_PREFIX + "x-forwarded-prefix", "/a b")
                                .rule(HOST, prefix("/", "foo:80")))
                        .expectDenied(HOST, "/")
                        .problem(INVALID, "default/i", "x-forwarded-prefix", "now asks for",
                                NGINX_PREFIX + "allowlist-source-range"),
                // what the snippet says cannot be told (allow and deny, often): neither the last version nor other rules
                CompilerCase.named("a snippet added to a served Ingress: its paths answer 503")
                        .previously(APPS, ingress("default/i").created(GOOD_TIME).rule(HOST, prefix("/", "foo:80")))
                        .given(APPS, ingress("default/i").created(GOOD_TIME)
                                .annotation(NGINX_PREFIX + "configuration-snippet", "allow 10.0.0.0/8; deny all;")
                                .rule(HOST, prefix("/", "foo:80")))
                        .expectDenied(HOST, "/")
                        .problem(INVALID, "default/i", "configuration-snippet", "its paths answer 503"),
                CompilerCase.named("a new Ingress with a snippet: its paths answer 503, not another Ingress's rule's")
                        .given(APPS, ingress("default/root").created(GOOD_TIME).rule(HOST, prefix("/", "bar:80")),
                                ingress("default/i").created("2024-01-01T00:00:00Z")
                                        .annotation(NGINX_PREFIX + "server-snippet", "location /admin { deny all; }")
                                        .rule(HOST, prefix("/admin", "foo:80")))
                        .expectDenied(HOST, "/admin/users")
                        .expect(HOST, "/other", "default/bar:80")
                        .problem(INVALID, "default/i", "server-snippet", "its paths answer 503"),
                CompilerCase.named("an invalid edit narrowing a source range: not served, the wider range not kept")
                        .previously(APPS, ingress("default/i").created(GOOD_TIME)
                                .annotation(NGINX_PREFIX + "allowlist-source-range", "10.0.0.0/8")
                                .rule(HOST, prefix("/", "foo:80")))
                        .given(APPS, ingress("default/i").created(GOOD_TIME)
                                .annotation(NGINX_PREFIX + "allowlist-source-range", "10.1.0.0/16, 10.2.0.0/33")
                                .rule(HOST, prefix("/", "foo:80")))
                        .expectDenied(HOST, "/")
                        .problem(INVALID, "default/i", "10.2.0.0/33", "its paths answer 503",
                                NGINX_PREFIX + "allowlist-source-range is not its last valid version's"),
                CompilerCase.named("an invalid edit dropping a source range: not served")
                        .previously(APPS, ingress("default/i").created(GOOD_TIME)
                                .annotation(NGINX_PREFIX + "allowlist-source-range", "10.0.0.0/8")
                                .annotation(NGINX_PREFIX + "denylist-source-range", "10.9.0.0/16")
                                .rule(HOST, prefix("/", "foo:80")))
                        .given(APPS, ingress("default/i").created(GOOD_TIME)
                                .annotation(NGINX_PREFIX + "allowlist-source-range", "10.0.0.0/8")
                                .annotation(NGINX_PREFIX + "x-forwarded-prefix", "/a b")
                                .rule(HOST, prefix("/", "foo:80")))
                        .expectDenied(HOST, "/")
                        .problem(INVALID, "default/i", "x-forwarded-prefix", "its paths answer 503", "it drops "
                                + NGINX_PREFIX + "denylist-source-range"),
                CompilerCase.named("an invalid edit leaving access control as it was: its last valid version serves")
                        .previously(APPS, ingress("default/i").created(GOOD_TIME)
                                .annotation(NGINX_PREFIX + "allowlist-source-range", "10.0.0.0/8")
                                .rule(HOST, prefix("/", "foo:80")))
                        .given(APPS, ingress("default/i").created(GOOD_TIME)
                                .annotation(NGINX_PREFIX + "allowlist-source-range", " 10.0.0.0/8 ")
                                .annotation(NGINX_PREFIX + "x-forwarded-prefix", "/a b")
                                .rule(HOST, prefix("/", "foo:80")))
                        .expect(HOST, "/", "default/foo:80")
                        .problem(INVALID, "default/i", "x-forwarded-prefix", "serving its last valid version"),
                CompilerCase.named("a denied Ingress keeps its paths: another Ingress's wider rule does not take them")
                        .previously(APPS,
                                ingress("default/guarded").created(GOOD_TIME)
                                        .annotation(NGINX_PREFIX + "allowlist-source-range", "10.0.0.0/8")
                                        .rule(HOST, prefix("/admin", "foo:80")),
                                ingress("default/open").created("2024-01-01T00:00:00Z").rule(HOST, prefix("/", "bar:80")))
                        .given(APPS,
                                ingress("default/guarded").created(GOOD_TIME)
                                        .annotation(NGINX_PREFIX + "allowlist-source-range", "10.0.0.0/8, bogus")
                                        .rule(HOST, prefix("/admin", "foo:80")),
                                ingress("default/open").created("2024-01-01T00:00:00Z").rule(HOST, prefix("/", "bar:80")))
                        .expectDenied(HOST, "/admin/users")
                        .expect(HOST, "/other", "default/bar:80")
                        .problem(INVALID, "default/guarded", "bogus", "its paths answer 503"),
                CompilerCase.named("never valid, asking for access control: its own paths answer 503, not another's rule")
                        .given(APPS,
                                ingress("default/guarded").created(GOOD_TIME)
                                        .annotation(NGINX_PREFIX + "allowlist-source-range", "10.0.0.0/8")
                                        .annotation(NGINX_PREFIX + "x-forwarded-prefix", "/a b")
                                        .rule(HOST, prefix("/admin", "foo:80")),
                                ingress("default/open").created("2024-01-01T00:00:00Z").rule(HOST, prefix("/", "bar:80")))
                        .expectDenied(HOST, "/admin/users")
                        .expect(HOST, "/other", "default/bar:80")
                        .problem(INVALID, "default/guarded", "x-forwarded-prefix", "its paths answer 503", "access control"),
                CompilerCase.named("never valid, with only what shapes checks (satisfy): not served, as asking for none")
                        .given(APPS,
                                ingress("default/shaped").created(GOOD_TIME)
                                        .annotation(NGINX_PREFIX + "satisfy", "any")
                                        .annotation(NGINX_PREFIX + "x-forwarded-prefix", "/a b")
                                        .rule(HOST, prefix("/admin", "foo:80")),
                                ingress("default/open").created("2024-01-01T00:00:00Z").rule(HOST, prefix("/", "bar:80")))
                        .expect(HOST, "/admin", "default/bar:80")
                        .problem(INVALID, "default/shaped", "x-forwarded-prefix", "(not served)"),
                CompilerCase.named("a canary's defaultBackend is no host's default, as in ingress-nginx")
                        .given(APPS,
                                ingress("default/main").created(GOOD_TIME).rule(HOST, prefix("/app", "foo:80")),
                                ingress("default/canary").annotation(NGINX_PREFIX + "canary", "true")
                                        .annotation(NGINX_PREFIX + "canary-weight", "0")
                                        .rule(HOST, prefix("/app", "bar:80")).defaultBackend("bar:80"))
                        .expect(HOST, "/app", "default/foo:80")
                        .expectNotFound(HOST, "/other"),
                CompilerCase.named("a denied Ingress's defaultBackend answers 503, not another Ingress's")
                        .given(APPS,
                                ingress("default/guarded").created(GOOD_TIME)
                                        .annotation(NGINX_PREFIX + "allowlist-source-range", "10.0.0.0/8")
                                        .annotation(NGINX_PREFIX + "upstream-hash-by", "$request_body")
                                        .defaultBackend("foo:80"),
                                ingress("default/younger").created("2024-01-01T00:00:00Z").defaultBackend("bar:80"))
                        .expectEndpoints(HOST, "/anything", "denied default/guarded")
                        .problem(INVALID, "default/guarded", "upstream-hash-by", "its default backend answers 503")
                        .problem(WARNING, "default/younger", "defaultBackend", "default/guarded"),
                CompilerCase.named("a host only canaries name is no host: the rules without a host serve it, as ingress-nginx")
                        .given(APPS,
                                ingress("default/web").created(GOOD_TIME).anyHost(prefix("/", "foo:80")),
                                ingress("default/canary").annotation(NGINX_PREFIX + "canary", "true")
                                        .rule("canary-only.com", prefix("/app", "bar:80")))
                        .expect("canary-only.com", "/app", "default/foo:80")
                        .problem(WARNING, "default/canary", "canary"),
                CompilerCase.named("a canary whose canary value does not parse is not served in the main's place")
                        .given(APPS,
                                ingress("default/canary").created(GOOD_TIME)
                                        .annotation(NGINX_PREFIX + "canary", "yes")
                                        .annotation(NGINX_PREFIX + "allowlist-source-range", "10.0.0.0/8")
                                        .rule(HOST, prefix("/", "foo:80")),
                                ingress("default/main").created("2024-01-01T00:00:00Z").rule(HOST, prefix("/", "bar:80")))
                        .expect(HOST, "/", "default/bar:80")
                        .problem(INVALID, "default/canary", "canary", "not served"),
                CompilerCase.named("denied with an unreadable use-regex: its paths are taken as regexes, to cover enough")
                        .given(APPS,
                                ingress("default/guarded").created(GOOD_TIME)
                                        .annotation(NGINX_PREFIX + "use-regex", "yes")
                                        .annotation(NGINX_PREFIX + "allowlist-source-range", "10.0.0.0/8")
                                        .rule(HOST, implementationSpecific("/api/v[0-9]+", "foo:80")),
                                ingress("default/open").created("2024-01-01T00:00:00Z").rule(HOST, prefix("/", "bar:80")))
                        .expectDenied(HOST, "/api/v1/users")
                        .problem(INVALID, "default/guarded", "use-regex", "its paths answer 503"),
                CompilerCase.named("never valid in its rules, asking for access control: the paths that validate answer 503")
                        .given(APPS,
                                ingress("default/guarded").created(GOOD_TIME)
                                        .annotation(NGINX_PREFIX + "allowlist-source-range", "10.0.0.0/8")
                                        .rule(HOST, prefix("/admin", "foo:80"), path("Bogus", "/other", "foo:80")),
                                ingress("default/open").created("2024-01-01T00:00:00Z").rule(HOST, prefix("/", "bar:80")))
                        .expectDenied(HOST, "/admin/users")
                        .expect(HOST, "/other", "default/bar:80")
                        .problem(INVALID, "default/guarded", "Bogus", "its paths answer 503"),
                CompilerCase.named("a deleted Ingress's last good version is not served")
                        .previously(APPS, ingress("default/i").rule(HOST, prefix("/", "foo:80")))
                        .given(APPS)
                        .expectNotFound(HOST, "/"),
                CompilerCase.named("an Ingress that was never valid is not served")
                        .previously(APPS, ingress("default/i").rule(HOST, path(null, "/", "foo:80")))
                        .given(APPS, ingress("default/i").rule(HOST, path(null, "/", "foo:80")))
                        .expectNotFound(HOST, "/")
                        .problem(INVALID, "default/i", "not served"),
                CompilerCase.named("an Ingress no longer ours: its last good version is not served")
                        .previously(APPS, ingress("default/i").rule(HOST, prefix("/", "foo:80")))
                        .given(APPS, ingress("default/i").className("nginx").rule(HOST, path(null, "/", "foo:80")))
                        .expectNotFound(HOST, "/"),
                CompilerCase.named("the last good version is resolved against current Services")
                        .previously(APPS, ingress("default/i").rule(HOST, prefix("/", "foo:80")))
                        .given(app("default/foo", "10.7.7.7"), ingress("default/i").rule(HOST, path(null, "/", "foo:80")))
                        .expectEndpoints(HOST, "/", "default/foo:80", "10.7.7.7:8080")
                        .problem(INVALID, "default/i", "serving its last valid version"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validationCases")
    void validation(CompilerCase c) {
        c.run();
    }

    private static io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath pathTo(String path, IngressBackend backend) {
        var p = prefix(path, "placeholder:1");
        p.setBackend(backend);
        return p;
    }

    @Test
    void anIngressTakenOutOfServiceKeepsItsGuardedPathsDeniedRatherThanHandingThemToAnother() {
        ClusterState state = Fixtures.state(caravanClass(), service("default/web", port(null, 80, 8080)),
                ingress("default/open").rule(HOST, prefix("/", "web:80")),
                ingress("default/private").annotation(NGINX_PREFIX + "whitelist-source-range", "10.0.0.0/8")
                        .rule(HOST, prefix("/private", "web:80")),
                ingress("default/blog").rule(HOST, prefix("/blog", "web:80")));
        Compilation compilation = new IngressCompiler(Fixtures.settings()).compile(state, Compilation.EMPTY,
                java.util.Set.of(ObjectRef.parse("default/private"), ObjectRef.parse("default/blog")));
        var privatePath = compilation.table().resolve(HOST, "/private/x");
        assertThat(privatePath.rule().ingress()).isEqualTo(ObjectRef.parse("default/private"));
        assertThat(privatePath.rule().policy().denied()).isTrue();
        // one without access control is simply not served: its paths go to the host's other rules
        assertThat(compilation.table().resolve(HOST, "/blog/x").rule().ingress()).isEqualTo(ObjectRef.parse("default/open"));
        assertThat(compilation.problems()).anySatisfy(problem -> assertThat(problem.message())
                .contains("its paths answer 503, as it asks for access control"));

        // a source range every Ingress gets from the flags is no asking of its own: the host's other rules apply it too
        ControllerSettings withDefaultRange = new ControllerSettings(Fixtures.OUR_CLASS, Fixtures.OUR_CONTROLLER, false,
                null, false, false, java.util.Set.of(), null, null, Map.of("whitelist-source-range", "10.0.0.0/8"),
                Map.of(), List.of(), null, null, true, false, null);
        Compilation underDefaults = new IngressCompiler(withDefaultRange).compile(state, Compilation.EMPTY,
                java.util.Set.of(ObjectRef.parse("default/blog")));
        assertThat(underDefaults.table().resolve(HOST, "/blog/x").rule().ingress())
                .isEqualTo(ObjectRef.parse("default/open"));
    }

    // ================================================================ known bugs (disabled until fixed)

    @Test
    void implementationSpecificWithoutAPathIsValidAndMatchesEveryPath() {
        CompilerCase.named("ImplementationSpecific without path")
                .given(APPS, ingress("default/i").rule(HOST, implementationSpecific(null, "foo:80")))
                .expect(HOST, "/", "default/foo:80")
                .expect(HOST, "/any/thing", "default/foo:80")
                .run();
    }

    @Test
    void theSameServicePortByNumberAndByNameIsNoConflict() {
        CompilerCase.named("web:80 and web:http are one backend")
                .given(service("default/web", port("http", 80, 8080)),
                        slice("default/web-1", "web", List.of(slicePort("http", 8080)), ready("10.0.0.1")),
                        ingress("default/a").created("2020-01-01T00:00:00Z").rule(HOST, prefix("/", "web:80")),
                        ingress("default/b").created("2021-01-01T00:00:00Z").rule(HOST, prefix("/", "web:http")))
                .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.1:8080")
                .run();
    }

    @ParameterizedTest(name = "Prefix {0} is INVALID")
    @ValueSource(strings = {"/a//b", "/a/./b", "/a/../b", "/a%2fb", "/a%2Fb", "/a/..", "/a/."})
    void pathsTheApiServerRejectsAreInvalid(String path) {
        CompilerCase.named("Prefix " + path)
                .given(APPS, ingress("default/bad").rule(HOST, prefix(path, "foo:80")))
                .expectNotFound(HOST, path)
                .problem(INVALID, "default/bad", "spec.rules[0].http.paths[0].path")
                .run();
    }

    @Test
    void anEndpointAddressThatIsNotAnIpIsSkipped() {
        CompilerCase.named("endpoint address 10.1")
                .given(service("default/web", port(null, 80, 8080)),
                        slice("default/web-1", "web", List.of(slicePort("", 8080)), ready("10.1"), ready("10.0.0.7")),
                        ingress("default/i").anyHost(prefix("/", "web:80")))
                .expectEndpoints(HOST, "/", "default/web:80", "10.0.0.7:8080")
                .run();
    }

    // ================================================================ the compilation itself

    @Test
    void lastGoodHoldsEveryServedIngressAndNothingElse() {
        var good = ingress("default/good").rule(HOST, prefix("/", "foo:80")).build();
        var bad = ingress("default/bad").rule("b.com", path(null, "/", "foo:80")).build();
        var other = ingress("default/other").className("nginx").rule("o.com", prefix("/", "foo:80")).build();

        Compilation compilation = new IngressCompiler(Fixtures.settings())
                .compile(Fixtures.state(caravanClass(), APPS, good, bad, other), Compilation.EMPTY);

        assertThat(compilation.lastGood()).containsOnlyKeys(new ObjectRef("default", "good"));
        assertThat(compilation.lastGood().get(new ObjectRef("default", "good"))).isEqualTo(good);
    }

    @Test
    void tableVersionIsTheStateVersion() {
        var state = Fixtures.state(caravanClass(), APPS).with(List.of()).with(List.of());
        RoutingTable table = new IngressCompiler(Fixtures.settings()).compile(state, Compilation.EMPTY).table();
        assertThat(table.version()).isEqualTo(state.version()).isEqualTo(3);
    }

    @Test
    void anIngressValidOnlyUnderTheSettingsBeforeIsDeniedNotServedWithoutWhatItCannotHave() {
        Secret shared = new SecretBuilder(users()).editMetadata().withNamespace("security").withName("shared")
                .endMetadata().build();
        var state = Fixtures.state(caravanClass(), APPS, shared, ingress("default/xns")
                .annotation(NGINX_PREFIX + "auth-type", "basic").annotation(NGINX_PREFIX + "auth-secret", "security/shared")
                .rule(HOST, prefix("/", "foo:80")));
        Compilation allowed = new IngressCompiler(Fixtures.settings(true, Map.of(), false)).compile(state, Compilation.EMPTY);
        assertThat(allowed.table().resolve(HOST, "/").rule().policy().userAuth()).isNotNull();
        // --allow-cross-namespace-resources turned off (a ConfigMap change): its last valid version cannot have its
        // users either, and is not served without them
        Compilation refused = new IngressCompiler(Fixtures.settings(false, Map.of(), false)).compile(state, allowed);
        assertThat(refused.table().resolve(HOST, "/").rule().policy().denied()).isTrue();
        assertThat(refused.problems()).anySatisfy(problem -> assertThat(problem.message())
                .contains("its last valid version is not valid under the settings in force either"));
    }

    @Test
    void aHostsClientCertificatesFromAnotherNamespaceStayAskedForWhenThatIsNoLongerAllowed() {
        TestCertificates clients = new TestCertificates("CN=Clients");
        Secret ca = new SecretBuilder().withNewMetadata().withNamespace("security").withName("clients").endMetadata()
                .withType("Opaque").withStringData(Map.of("ca.crt", clients.caPem())).build();
        var state = Fixtures.state(caravanClass(), APPS, ca,
                ingress("default/owner").created("2020-01-01T00:00:00Z")
                        .annotation(NGINX_PREFIX + "auth-tls-secret", "security/clients")
                        .rule(HOST, prefix("/admin", "foo:80")),
                ingress("default/open").created("2021-01-01T00:00:00Z").rule(HOST, prefix("/", "bar:80")));
        Compilation allowed = new IngressCompiler(Fixtures.settings(true, Map.of(), false)).compile(state,
                Compilation.EMPTY);
        assertThat(allowed.table().resolve(HOST, "/").host().clientCertificates().authority()).isNotNull();
        // the other Ingress's path, served under the host's certificates, must not be served without them
        Compilation refused = new IngressCompiler(Fixtures.settings(false, Map.of(), false)).compile(state, allowed);
        assertThat(refused.table().resolve(HOST, "/admin").rule().policy().denied()).isTrue();
        RoutePolicy.ClientCertificates asked = refused.table().resolve(HOST, "/").host().clientCertificates();
        assertThat(asked).isNotNull();
        assertThat(asked.authority()).isNull();
    }

    @Test
    void aPassedOverValueGivesWayToTheFlagOfItsNameAsIngressNginxFallsBackToItsConfigMap() {
        var state = Fixtures.state(caravanClass(), APPS,
                ingress("default/typo").annotation(NGINX_PREFIX + "proxy-send-timeout", "60s")
                        .annotation(NGINX_PREFIX + "proxy-next-upstream", "error timeout http_5xx")
                        .annotation(NGINX_PREFIX + "proxy-next-upstream-tries", "5")
                        .rule(HOST, prefix("/", "foo:80")));
        ControllerSettings settings = Fixtures.settings(false, Map.of("proxy-send-timeout", "120",
                "proxy-next-upstream", "error timeout http_502", "proxy-next-upstream-tries", "2"), false);
        Compilation compilation = new IngressCompiler(settings).compile(state, Compilation.EMPTY);
        var policy = compilation.table().resolve(HOST, "/").rule().policy();
        assertThat(policy.sendTimeout()).isEqualTo(java.time.Duration.ofSeconds(120));
        assertThat(policy.nextUpstream().conditions()).containsExactlyInAnyOrder("error", "timeout", "http_502");
        // the Ingress's own valid value stands beside the invalid one
        assertThat(policy.nextUpstream().tries()).isEqualTo(5);
        // the Warning names the Ingress's value, not the flag's
        assertThat(compilation.problems()).anySatisfy(problem -> assertThat(problem.message())
                .contains("proxy-send-timeout", "'60s'"));
    }

    @Test
    void disableCatchAllIgnoresEveryIngressWithADefaultBackendAsIngressNginxDoes() {
        var state = Fixtures.state(caravanClass(), APPS,
                ingress("default/catch-all").defaultBackend("foo:80"),
                ingress("default/with-rules").rule("shop.test", prefix("/", "foo:80")).defaultBackend("bar:80"),
                ingress("default/plain").rule("blog.test", prefix("/", "bar:80")));
        ControllerSettings settings = Fixtures.settings(false, Map.of(), true);
        Compilation compilation = new IngressCompiler(settings).compile(state, Compilation.EMPTY);
        assertThat(compilation.ignored()).containsOnlyKeys(ObjectRef.parse("default/catch-all"),
                ObjectRef.parse("default/with-rules"));
        assertThat(compilation.ignored().get(ObjectRef.parse("default/with-rules")))
                .contains("--disable-catch-all");
        // no catch-all, and the rules of an Ingress that has one are not served either
        assertThat(compilation.table().anyHost()).isNull();
        assertThat(compilation.table().resolve("shop.test", "/").rule()).isNull();
        assertThat(compilation.table().resolve("blog.test", "/").backend().name()).isEqualTo("default/bar:80");
    }

    @Test
    void anIngressWithoutRulesIsToldWhichOfItsAnnotationsItsCatchAllLeavesOut() {
        var state = Fixtures.state(caravanClass(), APPS,
                ingress("default/catch-all").annotation(NGINX_PREFIX + "rewrite-target", "/$1")
                        .annotation(NGINX_PREFIX + "force-ssl-redirect", "true")
                        .annotation(NGINX_PREFIX + "ssl-redirect", "false")
                        .annotation(NGINX_PREFIX + "proxy-read-timeout", "30").defaultBackend("foo:80"),
                ingress("default/with-rules").annotation(NGINX_PREFIX + "rewrite-target", "/")
                        .rule("shop.test", prefix("/", "foo:80")).defaultBackend("bar:80"));
        Compilation compilation = new IngressCompiler(Fixtures.settings()).compile(state, Compilation.EMPTY);
        assertThat(compilation.problems()).filteredOn(problem -> problem.reason().equals(Problem.IGNORED_ANNOTATION))
                .singleElement().satisfies(problem -> {
                    assertThat(problem.ingress().name()).isEqualTo("catch-all");
                    assertThat(problem.message()).startsWith("not applied: rewrite-target, force-ssl-redirect (")
                            .doesNotContain("ssl-redirect,").doesNotContain("proxy-read-timeout");
                });
        // still served, as ingress-nginx's: every host's unmatched paths, without the rewrite
        assertThat(compilation.table().resolve("any.test", "/x").backend().name()).isEqualTo("default/foo:80");
    }

    @Test
    void fromToWwwRedirectSendsEachHostsTwinToItUnlessTheTwinIsAHostOfItsOwn() {
        var state = Fixtures.state(caravanClass(), APPS,
                ingress("default/web").annotation(NGINX_PREFIX + "from-to-www-redirect", "true")
                        .rule("shop.test", prefix("/", "foo:80")).rule("www.blog.test", prefix("/", "foo:80"))
                        .rule("taken.test", prefix("/", "foo:80")),
                ingress("default/other").rule("www.taken.test", prefix("/", "bar:80")));
        Compilation compilation = new IngressCompiler(Fixtures.settings()).compile(state, Compilation.EMPTY);
        var table = compilation.table();
        assertThat(table.resolve("www.shop.test", "/a").redirectTo()).isEqualTo("shop.test");
        assertThat(table.resolve("blog.test", "/a").redirectTo()).isEqualTo("www.blog.test");
        assertThat(table.resolve("shop.test", "/a").redirectTo()).isNull();
        assertThat(table.resolve("www.taken.test", "/a").backend().name()).isEqualTo("default/bar:80");
        assertThat(compilation.problems()).anySatisfy(problem -> assertThat(problem.message())
                .contains("from-to-www-redirect of taken.test: www.taken.test is a host an Ingress rule names"));
    }

    @Test
    void fromToWwwRedirectAsIngressNginxAcrossIngressesCanariesAndAliases() {
        String www = NGINX_PREFIX + "from-to-www-redirect";
        var state = Fixtures.state(caravanClass(), APPS,
                // one host split across two Ingresses, both asking: one redirect, nobody warned
                ingress("default/api").created("2020-01-01T00:00:00Z").annotation(www, "true")
                        .rule("split.test", prefix("/api", "foo:80")),
                ingress("default/web").created("2021-01-01T00:00:00Z").annotation(www, "true")
                        .rule("split.test", prefix("/", "bar:80")),
                // a canary serves no host of its own: its annotation makes no redirect
                ingress("default/main").rule("canaried.test", prefix("/", "foo:80")),
                ingress("default/canary").annotation(NGINX_PREFIX + "canary", "true")
                        .annotation(NGINX_PREFIX + "canary-weight", "10").annotation(www, "true")
                        .rule("canaried.test", prefix("/", "bar:80")),
                // the twin is also the Ingress's alias: nginx takes the redirect server first
                ingress("default/both").annotation(www, "true").annotation(SERVER_ALIAS, "www.both.test")
                        .rule("both.test", prefix("/", "foo:80")));
        Compilation compilation = new IngressCompiler(Fixtures.settings()).compile(state, Compilation.EMPTY);
        var table = compilation.table();
        assertThat(table.resolve("www.split.test", "/").redirectTo()).isEqualTo("split.test");
        assertThat(table.resolve("www.canaried.test", "/").host()).isNull();
        assertThat(table.resolve("www.both.test", "/").redirectTo()).isEqualTo("both.test");
        assertThat(compilation.problems()).extracting(Problem::ingress).map(ObjectRef::name)
                .doesNotContain("api", "web", "main", "canary");
    }

    @Test
    void theMatchNamesTheRuleAndItsIngress() {
        var state = Fixtures.state(caravanClass(), APPS, ingress("team/web").rule(HOST, exact("/x", "foo:80")),
                app("team/foo", "10.5.0.1"));
        var match = new IngressCompiler(Fixtures.settings()).compile(state, Compilation.EMPTY).table().resolve(HOST, "/x");
        assertThat(match.rule()).isNotNull();
        assertThat(match.rule().ingress()).isEqualTo(new ObjectRef("team", "web"));
        assertThat(match.rule().path()).isEqualTo("/x");
    }

    @Test
    void compilingIsPureTheSameStateGivesTheSameAnswers() {
        var state = Fixtures.state(caravanClass(), APPS,
                ingress("default/a").created("2020-01-01T00:00:00Z").rule(HOST, prefix("/", "foo:80")),
                ingress("default/b").created("2021-01-01T00:00:00Z").rule(HOST, prefix("/", "bar:80")));
        var compiler = new IngressCompiler(Fixtures.settings());
        var first = compiler.compile(state, Compilation.EMPTY);
        var second = compiler.compile(state, first);
        assertThat(second.problems()).isEqualTo(first.problems()).hasSize(1);
        assertThat(second.table().resolve(HOST, "/").backend()).isEqualTo(first.table().resolve(HOST, "/").backend());
    }

    @Test
    void anIngressTheCompilerFailsOnIsLeftOutNamedAndTheOthersAreServed() {
        // no parser lets a null rule through; were one to reach the compiler, that Ingress alone would be left out
        var broken = ingress("default/broken").rule(HOST, prefix("/broken", "bar:80")).build();
        broken.getSpec().setRules(java.util.Arrays.asList(broken.getSpec().getRules().get(0), null));
        var state = Fixtures.state(caravanClass(), APPS, broken, ingress("default/web").rule(HOST, prefix("/", "foo:80")));
        var compilation = new IngressCompiler(Fixtures.settings()).compile(state, Compilation.EMPTY);
        assertThat(compilation.table().resolve(HOST, "/x").backend().name()).isEqualTo("default/foo:80");
        assertThat(compilation.problems()).anySatisfy(problem -> {
            assertThat(problem.ingress()).isEqualTo(new ObjectRef("default", "broken"));
            assertThat(problem.message()).contains("could not be compiled (java.lang.NullPointerException");
        });
    }

    @Test
    void anIngressTheCompilerFailsOnAfterAGoodVersionKeepsThatVersionServed() {
        var good = ingress("default/guarded").rule(HOST, prefix("/admin", "bar:80")).build();
        var broken = ingress("default/guarded").rule(HOST, prefix("/admin", "bar:80")).build();
        broken.getSpec().setRules(java.util.Arrays.asList(broken.getSpec().getRules().get(0), null));
        var site = ingress("default/site").rule(HOST, prefix("/", "foo:80"));
        var compiler = new IngressCompiler(Fixtures.settings());
        var first = compiler.compile(Fixtures.state(caravanClass(), APPS, good, site), Compilation.EMPTY);
        var second = compiler.compile(Fixtures.state(caravanClass(), APPS, broken, site), first);
        // its paths are not handed to another Ingress's rule: the last good version still serves them
        assertThat(second.table().resolve(HOST, "/admin/x").backend().name()).isEqualTo("default/bar:80");
        assertThat(second.problems()).anySatisfy(problem -> {
            assertThat(problem.ingress()).isEqualTo(new ObjectRef("default", "guarded"));
            assertThat(problem.message()).contains("could not be compiled", "(its last good version is served)");
        });
    }
}

package dev.caravan.compile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.routing.Backend;
import dev.caravan.routing.HostRoutes;
import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.PathRule;
import dev.caravan.routing.RoutingTable;
import dev.caravan.state.Change;
import dev.caravan.state.ClusterState;
import dev.caravan.state.ExternalNames;
import io.fabric8.kubernetes.api.model.HasMetadata;
import dev.caravan.testing.TestCertificates;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointHints;
import io.fabric8.kubernetes.api.model.discovery.v1.ForZone;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.IngressTLS;
import io.fabric8.kubernetes.api.model.networking.v1.IngressTLSBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.ServiceBackendPort;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A compilation from the previous one's memory must give exactly what a compilation from scratch gives. Random
 * edits (Ingresses, Services, slices, Secrets, IngressClasses, operators' choices) over a small universe of
 * hosts, paths and Services, so that Ingresses collide on hosts, paths, TLS hosts, canaries and passthrough
 * hosts; after every edit both compilations are compared whole: hosts, rules in order, backends and their
 * endpoints, TLS, problems.
 */
class IncrementalCompilationTest {

    private static final String[] NAMESPACES = {"a", "b"};
    private static final String[] HOSTS = {"x.test", "y.test", "Z.test", "*.test", "w.other", "www.x.test", ""};
    private static final String[] PATHS = {"/", "/api", "/api/", "/api/v1", "/z"};
    private static final String[] TYPES = {"Prefix", "Exact", "ImplementationSpecific"};
    private static final String[] SERVICES = {"s1", "s2", "s3", "s4"};
    private static final String[] IPS = {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"};
    private static final String[] EXTERNAL_NAMES = {"one.partner.test", "two.partner.test", "10.9.0.1"};
    private static final String[] CREATED = {"2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z"};
    private static final String PREFIX = "nginx.ingress.kubernetes.io/";

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void randomEditsCompileIncrementallyAsFromScratch(long seed) {
        Random random = new Random(seed);
        ControllerSettings settings = settings(seed);
        IngressCompiler compiler = new IngressCompiler(settings);
        ClusterState state = ClusterState.EMPTY.with(initial(random));
        Compilation last = Compilation.EMPTY;
        Set<ObjectRef> disabled = new HashSet<>();
        for (int step = 0; step < 300; step++) {
            List<Change> changes = new ArrayList<>();
            int edits = 1 + random.nextInt(3);
            for (int i = 0; i < edits; i++) {
                edit(random, state, changes, disabled);
            }
            state = state.with(changes);
            if (random.nextInt(10) == 0) {
                state = state.with(answers(random));
            }
            if (random.nextInt(25) == 0) {
                // the replica's zone found, or (in a test only) another one
                state = state.withZone(random.nextBoolean() ? "zone-a" : "zone-b");
            }
            Compilation next = compiler.compile(state, last, disabled);
            Compilation expected = compiler.compile(state, last, disabled, true);
            assertThat(describe(next)).as("seed %d step %d after %s", seed, step, changes.stream()
                    .map(c -> (c.deleted() ? "-" : "~") + c.kind() + " " + c.ref()).toList())
                    .isEqualTo(describe(expected));
            sameBackendsForTheSameName(next.table());
            for (String namespace : NAMESPACES) {
                for (String service : SERVICES) {
                    ObjectRef ref = new ObjectRef(namespace, service);
                    assertThat(next.namesService(ref)).as("seed %d step %d: %s named", seed, step, ref)
                            .isEqualTo(expected.namesService(ref));
                }
            }
            last = next;
        }
    }

    @Test
    void anUnchangedHostKeepsItsRoutesAndBackendsWhenAnotherHostChanges() {
        IngressCompiler compiler = new IngressCompiler(ControllerSettings.defaults());
        ClusterState state = twoHosts();
        Compilation first = compiler.compile(state, Compilation.EMPTY);
        ClusterState edited = state.with(List.of(Change.upsert(Fixtures.ingress("a/two")
                .rule("two.test", Fixtures.prefix("/", "s2:80"), Fixtures.prefix("/v2", "s2:80")).build())));
        Compilation second = compiler.compile(edited, first);

        assertThat(second.table().exactHosts().get("one.test")).isSameAs(first.table().exactHosts().get("one.test"));
        assertThat(second.table().exactHosts().get("two.test").rules()).hasSize(2);
        // the rebuilt host keeps its backend, and with it the balancer's state
        assertThat(second.table().resolve("two.test", "/").backend())
                .isSameAs(first.table().resolve("two.test", "/").backend());
        assertThat(second.table().version()).isEqualTo(edited.version());
    }

    @Test
    void anEndpointChangeRebuildsTheHostsOfItsServiceOnly() {
        IngressCompiler compiler = new IngressCompiler(ControllerSettings.defaults());
        ClusterState state = twoHosts();
        Compilation first = compiler.compile(state, Compilation.EMPTY);
        ClusterState scaled = state.with(Fixtures.flatten(Fixtures.app("a/s2", "10.0.0.2", "10.0.0.3")).stream()
                .map(Change::upsert).toList());
        Compilation second = compiler.compile(scaled, first);

        assertThat(second.table().exactHosts().get("one.test")).isSameAs(first.table().exactHosts().get("one.test"));
        assertThat(second.table().resolve("two.test", "/").backend().endpoints())
                .containsExactlyElementsOf(Fixtures.addresses("10.0.0.2:8080", "10.0.0.3:8080"));
    }

    @Test
    void twoPortsOfOneNumberKeepTheirOwnEndpointsWhateverWasResolvedFirst() {
        IngressCompiler compiler = new IngressCompiler(ControllerSettings.defaults());
        var service = Fixtures.service("a/dns", Fixtures.port("a", 80, 8080), Fixtures.port("b", 80, 9090));
        service.getSpec().getPorts().get(1).setProtocol("UDP");
        ClusterState state = ClusterState.EMPTY.with(List.of(Change.upsert(Fixtures.caravanClass()),
                Change.upsert(service),
                Change.upsert(Fixtures.slice("a/dns-0", "dns",
                        List.of(Fixtures.slicePort("a", 8080), Fixtures.slicePort("b", 9090)), Fixtures.ready("10.0.0.1"))),
                Change.upsert(Fixtures.ingress("a/newer").created("2024-02-01T00:00:00Z")
                        .rule("two.test", Fixtures.path("Prefix", "/", "dns:b")).build())));
        Compilation first = compiler.compile(state, Compilation.EMPTY);
        ClusterState next = state.with(List.of(Change.upsert(Fixtures.ingress("a/older")
                .created("2024-01-01T00:00:00Z").rule("one.test", Fixtures.path("Prefix", "/", "dns:a")).build())));

        Compilation incremental = compiler.compile(next, first);
        Compilation scratch = compiler.compile(next, first, Set.of(), true);
        assertThat(describe(incremental)).isEqualTo(describe(scratch));
        assertThat(incremental.table().resolve("one.test", "/").backend().endpoints())
                .containsExactlyElementsOf(Fixtures.addresses("10.0.0.1:8080"));
        assertThat(incremental.table().resolve("two.test", "/").backend().endpoints())
                .containsExactlyElementsOf(Fixtures.addresses("10.0.0.1:9090"));
    }

    /** one.test and two.test, each served by its own Ingress and Service. */
    private static ClusterState twoHosts() {
        List<Change> objects = new ArrayList<>();
        objects.add(Change.upsert(Fixtures.caravanClass()));
        for (HasMetadata object : Fixtures.flatten(Fixtures.app("a/s1", "10.0.0.1"), Fixtures.app("a/s2", "10.0.0.2"))) {
            objects.add(Change.upsert(object));
        }
        objects.add(Change.upsert(Fixtures.ingress("a/one").rule("one.test", Fixtures.prefix("/", "s1:80")).build()));
        objects.add(Change.upsert(Fixtures.ingress("a/two").rule("two.test", Fixtures.prefix("/", "s2:80")).build()));
        return ClusterState.EMPTY.with(objects);
    }

    private static ControllerSettings settings(long seed) {
        return new ControllerSettings(ControllerSettings.DEFAULT_INGRESS_CLASS,
                ControllerSettings.DEFAULT_CONTROLLER_CLASS, seed % 3 == 0,
                seed % 2 == 0 ? new ObjectRef("a", "s1") : null, seed % 2 == 1, false, Set.of("x-frame-options"),
                null, null, seed % 5 == 0 ? Map.of("ssl-redirect", "false", "load-balance", "ewma") : Map.of(),
                seed % 7 == 0 ? Map.of("auth-url", "http://auth.test/check") : Map.of(), List.of("/.well-known"),
                seed % 2 == 0 ? new ObjectRef("a", "tcp") : null, seed % 3 != 2 ? new ObjectRef("a", "udp") : null,
                seed % 4 != 3, seed % 5 == 1, seed % 3 == 0 ? dev.caravan.state.LabelSelectors.parse("team=a") : null);
    }

    private static List<Change> initial(Random random) {
        List<Change> changes = new ArrayList<>();
        changes.add(Change.upsert(Fixtures.caravanClass()));
        for (String namespace : NAMESPACES) {
            for (String service : SERVICES) {
                changes.add(Change.upsert(service(random, namespace, service)));
                changes.add(Change.upsert(slice(random, namespace, service, 0)));
            }
            changes.add(Change.upsert(authSecret(random, namespace)));
            changes.add(Change.upsert(clientsSecret(random, namespace)));
            if (random.nextBoolean()) {
                changes.add(Change.upsert(headersConfigMap(random, namespace)));
            }
        }
        changes.add(Change.upsert(tcpConfigMap(random)));
        changes.add(Change.upsert(udpConfigMap(random)));
        for (String namespace : NAMESPACES) {
            changes.add(Change.upsert(namespace(random, namespace)));
        }
        for (int i = 0; i < 10; i++) {
            changes.add(Change.upsert(ingress(random, i)));
        }
        return changes;
    }

    private static void edit(Random random, ClusterState state, List<Change> changes, Set<ObjectRef> disabled) {
        String namespace = NAMESPACES[random.nextInt(NAMESPACES.length)];
        String service = SERVICES[random.nextInt(SERVICES.length)];
        int choice = random.nextInt(100);
        if (choice < 40) {
            changes.add(Change.upsert(ingress(random, random.nextInt(14))));
        } else if (choice < 48) {
            Ingress existing = state.get(dev.caravan.state.ResourceKind.INGRESS, ingressRef(random.nextInt(14)));
            if (existing != null) {
                changes.add(Change.delete(existing));
            }
        } else if (choice < 68) {
            changes.add(Change.upsert(slice(random, namespace, service, random.nextInt(2))));
        } else if (choice < 74) {
            var slice = state.get(dev.caravan.state.ResourceKind.ENDPOINT_SLICE,
                    new ObjectRef(namespace, service + "-" + random.nextInt(2)));
            if (slice != null) {
                changes.add(Change.delete((HasMetadata) slice));
            }
        } else if (choice < 82) {
            if (random.nextInt(4) == 0) {
                var existing = state.get(dev.caravan.state.ResourceKind.SERVICE, new ObjectRef(namespace, service));
                if (existing != null) {
                    changes.add(Change.delete((HasMetadata) existing));
                }
            } else {
                changes.add(Change.upsert(service(random, namespace, service)));
            }
        } else if (choice < 88) {
            changes.add(Change.upsert(switch (random.nextInt(3)) {
                case 0 -> authSecret(random, namespace);
                case 1 -> clientsSecret(random, namespace);
                default -> switch (random.nextInt(3)) {
                    case 0 -> headersConfigMap(random, namespace);
                    case 1 -> tcpConfigMap(random);
                    default -> udpConfigMap(random);
                };
            }));
            ConfigMap headers = state.get(dev.caravan.state.ResourceKind.CONFIG_MAP, new ObjectRef(namespace, "headers"));
            if (headers != null && random.nextInt(4) == 0) {
                changes.add(Change.delete(headers));
            }
        } else if (choice < 90) {
            // a namespace labelled in or out of the selection
            changes.add(Change.upsert(namespace(random, namespace)));
        } else if (choice < 95) {
            ObjectRef ref = ingressRef(random.nextInt(14));
            if (!disabled.remove(ref)) {
                disabled.add(ref);
            }
        } else {
            // another IngressClass, default or not: which Ingresses are ours may change
            changes.add(Change.upsert(random.nextBoolean()
                    ? Fixtures.defaultIngressClass("other", Fixtures.OUR_CONTROLLER, String.valueOf(random.nextBoolean()))
                    : Fixtures.ingressClass("other", random.nextBoolean() ? Fixtures.OUR_CONTROLLER : "someone/else")));
        }
    }

    @Test
    void anAliasKeepsItsHostsTlsWhenAWildcardCertificateComesForItsName() {
        // found by review: the alias was recovered as covered by *.x.test, where its host is not
        IngressCompiler compiler = new IngressCompiler(Fixtures.settings());
        Ingress aliased = Fixtures.ingress("a/aliased").annotation(PREFIX + "server-alias", "c.x.test")
                .rule("a.test", Fixtures.prefix("/", "s1:80")).build();
        ClusterState state = ClusterState.EMPTY.with(List.of(Change.upsert(Fixtures.caravanClass()),
                Change.upsert(aliased)));
        Compilation first = compiler.compile(state, Compilation.EMPTY, Set.of());
        Ingress wild = Fixtures.ingress("a/wild").rule("w.x.test", Fixtures.prefix("/", "s1:80")).build();
        wild.getSpec().setTls(List.of(new IngressTLSBuilder().withHosts("*.x.test").withSecretName("wild").build()));
        state = state.with(List.of(Change.upsert(wild)));
        Compilation next = compiler.compile(state, first, Set.of());
        assertThat(describe(next)).isEqualTo(describe(compiler.compile(state, first, Set.of(), true)));
        assertThat(next.table().resolve("c.x.test", "/").hostHasTls()).isFalse();
    }

    private static final TestCertificates[] CLIENT_AUTHORITIES = {new TestCertificates("CN=Clients One"),
        new TestCertificates("CN=Clients Two")};

    private static ObjectRef ingressRef(int i) {
        return new ObjectRef(NAMESPACES[i % 2], "ing" + i);
    }

    private static Ingress ingress(Random random, int i) {
        ObjectRef ref = ingressRef(i);
        Map<String, String> annotations = new LinkedHashMap<>();
        int flavour = random.nextInt(22);
        switch (flavour) {
            case 0, 1 -> {
                annotations.put(PREFIX + "canary", "true");
                annotations.put(PREFIX + "canary-weight", String.valueOf(random.nextInt(101)));
            }
            case 2 -> annotations.put(PREFIX + "use-regex", "true");
            case 3 -> annotations.put(PREFIX + "rewrite-target", "/$1");
            case 4 -> {
                annotations.put(PREFIX + "auth-type", "basic");
                annotations.put(PREFIX + "auth-secret", "auth");
            }
            case 5 -> annotations.put(PREFIX + "ssl-passthrough", "true");
            case 6 -> annotations.put(PREFIX + "default-backend", SERVICES[random.nextInt(SERVICES.length)]);
            case 7 -> annotations.put(PREFIX + "load-balance", "ewma");
            case 8 -> annotations.put(PREFIX + "service-upstream", "true");
            case 9 -> annotations.put(PREFIX + "app-root", "/app");
            case 10 -> annotations.put(PREFIX + "x-forwarded-prefix", "/a b");
            case 11 -> annotations.put(PREFIX + "server-snippet", "return 200;");
            case 12 -> annotations.put(PREFIX + "proxy-ssl-secret", NAMESPACES[random.nextInt(2)] + "/ca");
            case 13 -> annotations.put(PREFIX + "proxy-buffering", "on");
            // aliases that are other Ingresses' hosts, wildcards among them, or no Ingress's host
            case 14, 15 -> annotations.put(PREFIX + "server-alias", String.join(",", random.nextBoolean()
                    ? List.of("alias.test", "y.test") : List.of("*.test", "alias.test", "x.test")));
            case 16 -> annotations.put(PREFIX + "from-to-www-redirect", "true");
            // client certificates: a host's, so Ingresses sharing a host agree or not
            case 17, 18 -> {
                annotations.put(PREFIX + "auth-tls-secret", "clients");
                if (random.nextBoolean()) {
                    annotations.put(PREFIX + "auth-tls-verify-client", "optional");
                }
            }
            case 21 -> annotations.put(PREFIX + "custom-headers", "headers");
            default -> {
            }
        }
        List<IngressRule> rules = new ArrayList<>();
        int ruleCount = random.nextInt(3);
        for (int r = 0; r < ruleCount; r++) {
            List<HTTPIngressPath> paths = new ArrayList<>();
            int pathCount = 1 + random.nextInt(2);
            for (int p = 0; p < pathCount; p++) {
                paths.add(Fixtures.path(TYPES[random.nextInt(TYPES.length)], PATHS[random.nextInt(PATHS.length)],
                        SERVICES[random.nextInt(SERVICES.length)] + ":" + (random.nextInt(4) == 0 ? "9999" : "80")));
            }
            rules.add(Fixtures.rule(HOSTS[random.nextInt(HOSTS.length)], paths.toArray(HTTPIngressPath[]::new)));
        }
        List<IngressTLS> tls = new ArrayList<>();
        if (random.nextInt(3) == 0) {
            String host = HOSTS[random.nextInt(HOSTS.length - 1)];
            tls.add(new IngressTLSBuilder().withHosts(host).withSecretName(random.nextBoolean() ? "tls1" : "tls2")
                    .build());
        }
        if (random.nextInt(5) == 0) {
            // no hosts: for the rules' hosts
            tls.add(new IngressTLSBuilder().withSecretName(random.nextBoolean() ? "tls1" : "tls2").build());
        }
        int classChoice = random.nextInt(10);
        return new IngressBuilder()
                .withNewMetadata()
                    .withNamespace(ref.namespace())
                    .withName(ref.name())
                    .withCreationTimestamp(CREATED[random.nextInt(CREATED.length)])
                    .withAnnotations(annotations.isEmpty() ? null : annotations)
                .endMetadata()
                .withNewSpec()
                    .withIngressClassName(classChoice == 0 ? "other" : classChoice == 1 ? null
                            : ControllerSettings.DEFAULT_INGRESS_CLASS)
                    .withRules(rules.isEmpty() ? null : rules)
                    .withTls(tls.isEmpty() ? null : tls)
                    .withDefaultBackend(random.nextInt(4) == 0
                            ? Fixtures.backend(SERVICES[random.nextInt(SERVICES.length)], new ServiceBackendPort(null, 80))
                            : null)
                .endSpec()
                .build();
    }

    private static HasMetadata service(Random random, String namespace, String name) {
        var service = random.nextBoolean()
                ? Fixtures.service(namespace + "/" + name, Fixtures.port(random.nextBoolean() ? "http" : null, 80, 8080))
                : Fixtures.service(namespace + "/" + name, Fixtures.port("http", 80, 8080), Fixtures.port("dns", 53, 5353));
        if (service.getSpec().getPorts().size() > 1) {
            service.getSpec().getPorts().get(1).setProtocol("UDP");
        }
        service.getSpec().setClusterIP(random.nextBoolean() ? "10.96.0." + (1 + random.nextInt(9)) : "None");
        if (random.nextInt(3) == 0) {
            service.getMetadata().setAnnotations(Map.of(ZoneHints.TOPOLOGY_MODE, "auto"));
        }
        if (random.nextInt(4) == 0) {
            service.getSpec().setType("ExternalName");
            service.getSpec().setExternalName(EXTERNAL_NAMES[random.nextInt(EXTERNAL_NAMES.length)]);
        }
        return service;
    }

    /** What the DNS answered for some Services' names: addresses, a failure, or an answer for another name. */
    private static ExternalNames answers(Random random) {
        Map<ObjectRef, ExternalNames.Answer> answers = new HashMap<>();
        for (String namespace : NAMESPACES) {
            for (String service : SERVICES) {
                String name = EXTERNAL_NAMES[random.nextInt(2)];
                switch (random.nextInt(4)) {
                    case 0 -> answers.put(new ObjectRef(namespace, service), new ExternalNames.Answer(name,
                            List.of(address(IPS[random.nextInt(IPS.length)])), null));
                    case 1 -> answers.put(new ObjectRef(namespace, service), new ExternalNames.Answer(name, List.of(),
                            "no such name, or no address for it"));
                    case 2 -> answers.put(new ObjectRef(namespace, service), new ExternalNames.Answer(name,
                            List.of(address(IPS[0]), address(IPS[1])), null));
                    default -> {
                        // no answer for this one
                    }
                }
            }
        }
        return new ExternalNames(answers);
    }

    private static java.net.InetAddress address(String ip) {
        try {
            return java.net.InetAddress.getByName(ip);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static HasMetadata slice(Random random, String namespace, String service, int index) {
        List<Endpoint> endpoints = new ArrayList<>();
        for (String ip : IPS) {
            int state = random.nextInt(4);
            if (state == 1) {
                Endpoint ready = Fixtures.ready(ip);
                if (random.nextInt(3) > 0) {
                    // hinted for zone-a (the settings' zone in some runs) or for zone-b
                    ready.setHints(new EndpointHints(List.of(), List.of(new ForZone(random.nextBoolean() ? "zone-a"
                            : "zone-b"))));
                }
                endpoints.add(ready);
            } else if (state == 2) {
                endpoints.add(Fixtures.notReady(ip));
            }
        }
        String portName = random.nextInt(3) == 0 ? "http" : "";
        return Fixtures.slice(namespace + "/" + service + "-" + index, service, random.nextBoolean()
                ? List.of(Fixtures.slicePort(portName, 8080))
                : List.of(Fixtures.slicePort(portName, 8080), Fixtures.slicePort("dns", 5353)),
                endpoints.toArray(Endpoint[]::new));
    }

    private static Secret authSecret(Random random, String namespace) {
        String auth = switch (random.nextInt(3)) {
            case 0 -> "alice:{PLAIN}secret\n";
            case 1 -> "bob:{PLAIN}other\n";
            default -> "not an htpasswd line\n";
        };
        return new SecretBuilder().withNewMetadata().withNamespace(namespace).withName("auth").endMetadata()
                .withType("Opaque").addToStringData("auth", auth).build();
    }

    /** --tcp-services-configmap's ConfigMap: ports to Services by port number or name, some with PROXY. */
    private static HasMetadata namespace(Random random, String name) {
        return new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName(name)
                .withLabels(Map.of("team", random.nextBoolean() ? "a" : "b")).endMetadata().build();
    }

    private static ConfigMap udpConfigMap(Random random) {
        Map<String, String> data = new TreeMap<>();
        for (int i = 0; i < 2; i++) {
            String service = NAMESPACES[random.nextInt(NAMESPACES.length)] + "/" + SERVICES[random.nextInt(SERVICES.length)];
            data.put(String.valueOf(5300 + i), service + (random.nextBoolean() ? ":53" : ":dns"));
        }
        return new ConfigMapBuilder().withNewMetadata().withNamespace("a").withName("udp").endMetadata()
                .withData(data).build();
    }

    private static ConfigMap tcpConfigMap(Random random) {
        Map<String, String> data = new TreeMap<>();
        for (int i = 0; i < 3; i++) {
            String service = NAMESPACES[random.nextInt(NAMESPACES.length)] + "/" + SERVICES[random.nextInt(SERVICES.length)];
            data.put(String.valueOf(9000 + i), service + (random.nextBoolean() ? ":80" : ":http")
                    + (random.nextBoolean() ? ":PROXY" : ""));
        }
        return new ConfigMapBuilder().withNewMetadata().withNamespace("a").withName("tcp").endMetadata()
                .withData(data).build();
    }

    /** custom-headers' ConfigMap: a header allowed, one not (the Ingress is then invalid), or another value. */
    private static ConfigMap headersConfigMap(Random random, String namespace) {
        Map<String, String> data = switch (random.nextInt(3)) {
            case 0 -> Map.of("X-Frame-Options", "DENY");
            case 1 -> Map.of("X-Frame-Options", "SAMEORIGIN");
            default -> Map.of("X-Not-Allowed", "1");
        };
        return new ConfigMapBuilder().withNewMetadata().withNamespace(namespace).withName("headers").endMetadata()
                .withData(data).build();
    }

    /** The authorities of client certificates: one of two, or none that parses. */
    private static Secret clientsSecret(Random random, String namespace) {
        int choice = random.nextInt(3);
        String ca = choice < 2 ? CLIENT_AUTHORITIES[choice].caPem() : "not a certificate";
        return new SecretBuilder().withNewMetadata().withNamespace(namespace).withName("clients").endMetadata()
                .withType("Opaque").addToStringData("ca.crt", ca).build();
    }

    /** A compilation as a comparable text: hosts in name order, rules in match order, backends with endpoints. */
    private static Map<String, Object> describe(Compilation compilation) {
        RoutingTable table = compilation.table();
        Map<String, Object> description = new TreeMap<>();
        table.exactHosts().forEach((host, routes) -> description.put("host " + host, describe(routes)));
        table.wildcardHosts().forEach((host, routes) -> description.put("wildcard " + host, describe(routes)));
        description.put("any host", table.anyHost() == null ? "none" : describe(table.anyHost()));
        description.put("default backend", describe(table.defaultBackend()));
        description.put("passthrough", new TreeMap<>(table.passthrough().entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> describe(e.getValue())))));
        description.put("streams", table.streams().tcp().values().stream().map(stream -> stream.port() + " "
                + describe(stream.backend()) + " " + stream.decodeProxy() + " " + stream.encodeProxy()).toList()
                + " " + table.streams().udp().values().stream().map(stream -> stream.port() + " "
                + describe(stream.backend())).toList() + " " + table.streams().problems());
        description.put("tls", new TreeMap<>(compilation.tls()).toString());
        description.put("backend tls secrets", new TreeMap<>(compilation.backendTlsSecrets()).toString());
        description.put("last good", new TreeMap<>(compilation.lastGood().entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().getMetadata().hashCode()))));
        description.put("claimed", new java.util.TreeSet<>(compilation.claimed()).toString());
        description.put("ignored", new TreeMap<>(compilation.ignored()).toString());
        description.put("problems", compilation.problems().stream().map(Problem::toString).sorted().toList());
        return description;
    }

    private static List<String> describe(HostRoutes routes) {
        List<String> lines = new ArrayList<>();
        lines.add("default " + describe(routes.defaultBackend()) + " app-root " + routes.appRoot() + " tls " + routes.tls()
                + " redirect " + routes.redirectTo() + " client certificates " + (routes.clientCertificates() == null
                        ? "none" : routes.clientCertificates().verify() + " " + routes.clientCertificates().secret() + " "
                        + (routes.clientCertificates().authority() == null ? "unreadable"
                                : routes.clientCertificates().authority().authorities())));
        PathRule standIn = routes.defaultRule();
        lines.add("default location " + (standIn == null ? "none" : describe(standIn.backend()) + " of "
                + standIn.ingress() + " fallback " + describe(standIn.fallback()) + " policy " + standIn.policy()));
        for (PathRule rule : routes.rules()) {
            lines.add(rule.type() + " " + rule.path() + " regex " + rule.regex() + " -> " + describe(rule.backend())
                    + " of " + rule.ingress() + " fallback " + describe(rule.fallback()) + " policy " + rule.policy()
                    + (rule.canary() == null ? "" : " canary " + describe(rule.canary().backend()) + " of "
                            + rule.canary().ingress() + " weight " + rule.canary().weight()));
        }
        return lines;
    }

    private static String describe(Backend backend) {
        return backend == null ? "none" : backend.name() + backend.endpoints();
    }

    /** Within one table, one backend object per name (and balancing), whichever host it was built for. */
    private static void sameBackendsForTheSameName(RoutingTable table) {
        Map<String, Backend> seen = new TreeMap<>();
        List<HostRoutes> all = new ArrayList<>(table.exactHosts().values());
        all.addAll(table.wildcardHosts().values());
        for (HostRoutes routes : all) {
            for (PathRule rule : routes.rules()) {
                Backend backend = rule.backend();
                if (backend.hasEndpoints()) {
                    String key = backend.name() + "#" + backend.balancer().getClass().getSimpleName()
                            + "#" + rule.policy().serviceUpstream();
                    Backend first = seen.putIfAbsent(key, backend);
                    assertThat(first == null || first == backend).as("one backend object for %s", key).isTrue();
                }
            }
        }
    }
}

package dev.caravan.compile;

import static dev.caravan.compile.Fixtures.caravanClass;
import static dev.caravan.compile.Fixtures.ingress;
import static dev.caravan.compile.Fixtures.port;
import static dev.caravan.compile.Fixtures.prefix;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.routing.Backend;
import dev.caravan.routing.ObjectRef;
import dev.caravan.state.ClusterState;
import dev.caravan.state.Change;
import dev.caravan.state.ExternalNames;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Services of type ExternalName as backends: the addresses the state holds for their names (what the DNS answered),
 * at the ports ingress-nginx takes, and a problem told for what cannot be sent to.
 */
class ExternalNameBackendsTest {

    private static final ObjectRef PARTNER = ObjectRef.parse("default/partner");

    @Test
    void theAnswersAddressesAreTheEndpointsAtTheServicePortsTargetPort() throws Exception {
        ClusterState state = state("api.partner.test", "http", port("http", 80, 8443))
                .with(answer("api.partner.test", "10.1.0.2", "10.1.0.1"));
        Compilation compilation = compile(state);
        assertThat(compilation.problems()).isEmpty();
        Backend backend = compilation.table().resolve("out.test", "/").backend();
        assertThat(backend.name()).isEqualTo("default/partner:80");
        assertThat(backend.endpoints()).containsExactly(endpoint("10.1.0.2", 8443), endpoint("10.1.0.1", 8443));
    }

    @Test
    void aNameTargetPortOrNoneIsThePortItself() throws Exception {
        ServicePort named = port("http", 80, 0);
        named.setTargetPort(new IntOrString("web"));
        ClusterState state = state("api.partner.test", "http", named).with(answer("api.partner.test", "10.1.0.1"));
        assertThat(compile(state).table().resolve("out.test", "/").backend().endpoints())
                .containsExactly(endpoint("10.1.0.1", 80));
    }

    @Test
    void aServiceWithoutPortsIsSentToAtTheIngresssPortNumber() throws Exception {
        ClusterState state = state("api.partner.test", "9000").with(answer("api.partner.test", "10.1.0.1"));
        Compilation compilation = compile(state);
        assertThat(compilation.problems()).isEmpty();
        assertThat(compilation.table().resolve("out.test", "/").backend().endpoints())
                .containsExactly(endpoint("10.1.0.1", 9000));
    }

    @Test
    void anIpAddressIsItsOwnEndpointWithoutAnyLookUp() throws Exception {
        Compilation compilation = compile(state("192.0.2.7", "http", port("http", 80, 8080)));
        assertThat(compilation.problems()).isEmpty();
        assertThat(compilation.table().resolve("out.test", "/").backend().endpoints())
                .containsExactly(endpoint("192.0.2.7", 8080));
    }

    @Test
    void aNameNotLookedUpYetHasNoEndpointAndNoProblemWhileAnAnswerForAnotherNameIsNoAnswer() throws Exception {
        Compilation pending = compile(state("api.partner.test", "http", port("http", 80, 80)));
        assertThat(pending.problems()).isEmpty();
        assertThat(pending.table().resolve("out.test", "/").backend().hasEndpoints()).isFalse();

        // the Service was edited to another name: the old name's addresses are not its
        Compilation stale = compile(state("api.other.test", "http", port("http", 80, 80))
                .with(answer("api.partner.test", "10.1.0.1")));
        assertThat(stale.table().resolve("out.test", "/").backend().hasEndpoints()).isFalse();
    }

    @Test
    void aNameThatDoesNotResolveIsTold() {
        ClusterState state = state("api.partner.test", "http", port("http", 80, 80)).with(new ExternalNames(Map.of(
                PARTNER, new ExternalNames.Answer("api.partner.test", List.of(), "no such name, or no address for it"))));
        Compilation compilation = compile(state);
        assertThat(compilation.problems()).singleElement().satisfies(problem -> {
            assertThat(problem.reason()).isEqualTo(Problem.NAME_NOT_RESOLVED);
            assertThat(problem.message()).contains("service default/partner is of type ExternalName, and"
                    + " api.partner.test does not resolve (no such name, or no address for it)");
        });
        assertThat(compilation.table().resolve("out.test", "/").backend().hasEndpoints()).isFalse();
    }

    @Test
    void thisHostItselfAnInvalidNameAndTheFlagAreRefused() throws Exception {
        for (String name : List.of("localhost", "127.0.0.1", "::1", "LocalHost.")) {
            assertThat(compile(state(name, "http", port("http", 80, 80))).problems()).singleElement()
                    .satisfies(problem -> assertThat(problem.message()).contains("this host itself, which is refused"));
        }
        assertThat(compile(state("not_a name", "http", port("http", 80, 80))).problems()).singleElement()
                .satisfies(problem -> assertThat(problem.message()).contains("'not_a name' is not a DNS name"));
        Compilation refused = new IngressCompiler(Fixtures.settings().withExternalNameServices(false)).compile(
                state("api.partner.test", "http", port("http", 80, 80)).with(answer("api.partner.test", "10.1.0.1")),
                Compilation.EMPTY);
        assertThat(refused.problems()).singleElement().satisfies(problem -> assertThat(problem.message())
                .contains("service default/partner is of type ExternalName, which --disable-svc-external-name refuses"));
        assertThat(refused.table().resolve("out.test", "/").backend().hasEndpoints()).isFalse();
    }

    @Test
    void aChangedAnswerChangesTheBackendInTheNextCompilationAndOnlyItsIngress() throws Exception {
        ClusterState first = state("api.partner.test", "http", port("http", 80, 80))
                .with(answer("api.partner.test", "10.1.0.1"));
        IngressCompiler compiler = new IngressCompiler(Fixtures.settings());
        Compilation before = compiler.compile(first, Compilation.EMPTY);
        Compilation after = compiler.compile(first.with(answer("api.partner.test", "10.1.0.3")), before);
        assertThat(after.table().resolve("out.test", "/").backend().endpoints())
                .containsExactly(endpoint("10.1.0.3", 80));
        // the other Ingress's host was not compiled again: the very same routes
        assertThat(after.table().exactHosts().get("in.test"))
                .isSameAs(before.table().exactHosts().get("in.test"));
    }

    @Test
    void theServicesATableSendsToAreThoseOfItsIngressesDefaultBackendAndStreamPorts() throws Exception {
        Service unused = Fixtures.service("default/unused", port("http", 80, 80));
        unused.getSpec().setType("ExternalName");
        unused.getSpec().setExternalName("unused.partner.test");
        Service syslog = Fixtures.service("logs/syslog", port("syslog", 514, 514));
        syslog.getSpec().setType("ExternalName");
        syslog.getSpec().setExternalName("syslog.partner.test");
        ConfigMap tcp = new ConfigMapBuilder().withNewMetadata().withNamespace("ingress").withName("tcp").endMetadata()
                .withData(Map.of("1514", "logs/syslog:514")).build();
        ClusterState state = state("api.partner.test", "http", port("http", 80, 80))
                .with(List.of(Change.upsert(unused), Change.upsert(syslog), Change.upsert(tcp)));
        ControllerSettings settings = new ControllerSettings(Fixtures.OUR_CLASS, Fixtures.OUR_CONTROLLER, false,
                ObjectRef.parse("default/fallback")).withStreamServices(ObjectRef.parse("ingress/tcp"), null);
        IngressCompiler compiler = new IngressCompiler(settings);
        Compilation compilation = compiler.compile(state, Compilation.EMPTY);
        assertThat(compilation.namesService(PARTNER)).isTrue();
        assertThat(compilation.namesService(ObjectRef.parse("default/web"))).isTrue();
        assertThat(compilation.namesService(ObjectRef.parse("default/fallback"))).as("default backend, missing").isTrue();
        assertThat(compilation.namesService(ObjectRef.parse("logs/syslog"))).as("TCP port").isTrue();
        assertThat(compilation.namesService(ObjectRef.parse("default/unused"))).isFalse();

        // the Ingress out gone: partner is no longer sent to, in an incremental compilation as from scratch
        ClusterState without = state.with(List.of(Change.delete(ingress("default/out")
                .rule("out.test", prefix("/", "partner:http")).build())));
        assertThat(compiler.compile(without, compilation).namesService(PARTNER)).isFalse();
        assertThat(compiler.compile(without, Compilation.EMPTY).namesService(PARTNER)).isFalse();
    }

    /** The Service partner of type ExternalName, and an Ingress out.test → partner at {@code backendPort}. */
    private static ClusterState state(String externalName, String backendPort, ServicePort... ports) {
        Service partner = Fixtures.service("default/partner", ports);
        partner.getSpec().setType("ExternalName");
        partner.getSpec().setExternalName(externalName);
        return Fixtures.state(caravanClass(), partner, Fixtures.service("default/web", port("http", 80, 80)),
                ingress("default/out").rule("out.test", prefix("/", "partner:" + backendPort)),
                ingress("default/in").rule("in.test", prefix("/", "web:80")));
    }

    private static ExternalNames answer(String name, String... addresses) throws Exception {
        List<InetAddress> resolved = new java.util.ArrayList<>();
        for (String address : addresses) {
            resolved.add(InetAddress.getByName(address));
        }
        return new ExternalNames(Map.of(PARTNER, new ExternalNames.Answer(name, resolved, null)));
    }

    private static InetSocketAddress endpoint(String ip, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    private static Compilation compile(ClusterState state) {
        return new IngressCompiler(Fixtures.settings()).compile(state, Compilation.EMPTY);
    }
}

package dev.caravan.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.compile.Compilation;
import dev.caravan.compile.ControllerSettings;
import dev.caravan.compile.IngressCompiler;
import dev.caravan.compile.Problem;
import dev.caravan.state.Change;
import dev.caravan.routing.ObjectRef;
import dev.caravan.state.ClusterState;
import dev.caravan.state.ResourceKind;
import dev.caravan.testing.TestCertificates;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClassBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The loader reads certificates again only when the TLS hosts, a Secret, or the clock (an expiry) make a
 * difference; otherwise it keeps what it loaded, its warnings included.
 */
class CertificateLoaderTest {

    private final TestCertificates certificates = new TestCertificates();
    private final IngressCompiler compiler = new IngressCompiler(ControllerSettings.defaults());
    private final ServerCertificate generated = GeneratedCertificate.create(TlsSettings.defaults());
    private final CertificateStore store = new CertificateStore(generated);
    private final CertificateLoader loader = new CertificateLoader(new TlsSecretReader(TlsSettings.defaults()), store,
            null, generated, Clock.systemUTC());

    @Test
    void aChangeElsewhereKeepsTheLoadedCertificatesAndWarningsAndASecretChangeIsRead() {
        ClusterState state = ClusterState.EMPTY.with(List.of(
                Change.upsert(new IngressClassBuilder().withNewMetadata().withName("caravan").endMetadata()
                        .withNewSpec().withController(ControllerSettings.DEFAULT_CONTROLLER_CLASS).endSpec().build()),
                Change.upsert(ingress("secure", "secure.test", "secure-tls")),
                Change.upsert(ingress("missing", "missing.test", "absent-tls")),
                Change.upsert(secret("secure-tls", "secure.test"))));
        Compilation first = compiler.compile(state, Compilation.EMPTY);
        List<Problem> warnings = loader.compiled(state, first);
        assertThat(warnings).singleElement().satisfies(problem -> assertThat(problem.reason())
                .isEqualTo(Problem.SECRET_NOT_FOUND));
        long updates = store.updates();
        ServerCertificate secure = store.select("secure.test");
        assertThat(secure).isNotSameAs(generated);

        ClusterState elsewhere = state.with(List.of(Change.upsert(ingress("plain", "plain.test", null))));
        Compilation second = compiler.compile(elsewhere, first);
        assertThat(second.tls()).isSameAs(first.tls());
        assertThat(loader.compiled(elsewhere, second)).isEqualTo(warnings);
        assertThat(store.updates()).as("nothing loaded again").isEqualTo(updates);

        ClusterState withSecret = elsewhere.with(List.of(Change.upsert(secret("absent-tls", "missing.test"))));
        Compilation third = compiler.compile(withSecret, second);
        assertThat(loader.compiled(withSecret, third)).isEmpty();
        assertThat(store.updates()).isGreaterThan(updates);
        assertThat(store.select("missing.test")).isNotSameAs(generated);
        assertThat(store.select("secure.test")).as("an unchanged Secret is not parsed again").isSameAs(secure);

        // a compilation from scratch (the recompile operation) names every host anew, with the same Secrets
        ServerCertificate missing = store.select("missing.test");
        assertThat(loader.compiled(withSecret, compiler.compile(withSecret, Compilation.EMPTY))).isEmpty();
        assertThat(store.select("secure.test")).isSameAs(secure);
        assertThat(store.select("missing.test")).isSameAs(missing);
    }

    @Test
    void aSecretDecodedAgainAsTheSameVersionIsNotReadAgain() {
        Secret secret = secret("secure-tls", "secure.test");
        secret.getMetadata().setUid("uid-1");
        secret.getMetadata().setResourceVersion("7");
        ClusterState state = ClusterState.EMPTY.with(List.of(
                Change.upsert(new IngressClassBuilder().withNewMetadata().withName("caravan").endMetadata()
                        .withNewSpec().withController(ControllerSettings.DEFAULT_CONTROLLER_CLASS).endSpec().build()),
                Change.upsert(ingress("secure", "secure.test", "secure-tls")), Change.upsert(secret)));
        Compilation compilation = compiler.compile(state, Compilation.EMPTY);
        loader.compiled(state, compilation);
        ServerCertificate read = store.select("secure.test");

        // a relist: every object decoded anew, the same versions
        ClusterState relisted = state.with(List.of(Change.upsert(new SecretBuilder(secret).build())));
        assertThat(relisted.<Secret>get(ResourceKind.SECRET, new ObjectRef("default", "secure-tls"))).isNotSameAs(secret);
        loader.compiled(relisted, compiler.compile(relisted, compilation));
        assertThat(store.select("secure.test")).isSameAs(read);

        Secret next = new SecretBuilder(secret).editMetadata().withResourceVersion("8").endMetadata().build();
        ClusterState edited = relisted.with(List.of(Change.upsert(next)));
        loader.compiled(edited, compiler.compile(edited, compilation));
        assertThat(store.select("secure.test")).isNotSameAs(read).isNotSameAs(generated);
    }

    @Test
    void aCertificateNotValidYetIsServedOnceItIs() {
        Instant start = Instant.now();
        Instant[] now = {start};
        CertificateLoader timed = new CertificateLoader(new TlsSecretReader(TlsSettings.defaults()), store, null,
                generated, clockAt(now));
        TestCertificates.Issued early = certificates.issue(start.plus(Duration.ofMinutes(30)),
                start.plus(Duration.ofDays(30)), TestCertificates.rsaKeys(), "early.test");
        ClusterState state = ClusterState.EMPTY.with(List.of(
                Change.upsert(new IngressClassBuilder().withNewMetadata().withName("caravan").endMetadata()
                        .withNewSpec().withController(ControllerSettings.DEFAULT_CONTROLLER_CLASS).endSpec().build()),
                Change.upsert(ingress("early", "early.test", "early-tls")), Change.upsert(secret("early-tls", early))));
        Compilation compilation = compiler.compile(state, Compilation.EMPTY);
        assertThat(timed.compiled(state, compilation)).singleElement()
                .satisfies(problem -> assertThat(problem.message()).contains("not valid before"));
        assertThat(store.select("early.test")).isSameAs(generated);

        // the same Secret, nothing else changed: once its certificate is valid, the next compilation serves it
        now[0] = start.plus(Duration.ofHours(1));
        assertThat(timed.compiled(state, compilation)).isEmpty();
        assertThat(store.select("early.test").leaf()).isEqualTo(early.certificate());
    }

    private static Clock clockAt(Instant[] now) {
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now[0];
            }
        };
    }

    @Test
    void aRemovedHostOrSecretAndAnExpiryEachChangeOnlyTheirHosts() {
        Instant start = Instant.now();
        Instant[] now = {start};
        CertificateLoader timed = new CertificateLoader(new TlsSecretReader(TlsSettings.defaults()), store, null,
                generated, clockAt(now));
        TestCertificates.Issued shortLived = certificates.issue(start.minus(Duration.ofHours(1)),
                start.plus(Duration.ofHours(1)), TestCertificates.rsaKeys(), "brief.test");
        ClusterState state = ClusterState.EMPTY.with(List.of(
                Change.upsert(new IngressClassBuilder().withNewMetadata().withName("caravan").endMetadata()
                        .withNewSpec().withController(ControllerSettings.DEFAULT_CONTROLLER_CLASS).endSpec().build()),
                Change.upsert(ingress("a", "a.test", "a-tls")), Change.upsert(secret("a-tls", "a.test")),
                Change.upsert(ingress("b", "b.test", "b-tls")), Change.upsert(secret("b-tls", "b.test")),
                Change.upsert(ingress("brief", "brief.test", "brief-tls")),
                Change.upsert(secret("brief-tls", shortLived))));
        Compilation compilation = compiler.compile(state, Compilation.EMPTY);
        assertThat(timed.compiled(state, compilation)).isEmpty();
        ServerCertificate a = store.select("a.test");
        ServerCertificate brief = store.select("brief.test");
        assertThat(List.of(a, store.select("b.test"), brief)).doesNotContain(generated);

        // b's Ingress goes: its host has no certificate of its own any more
        ClusterState withoutB = state.with(List.of(Change.delete(state.get(ResourceKind.INGRESS,
                new ObjectRef("default", "b")))));
        Compilation second = compiler.compile(withoutB, compilation);
        assertThat(timed.compiled(withoutB, second)).isEmpty();
        assertThat(store.select("b.test")).isSameAs(generated);
        assertThat(store.expiries()).containsOnlyKeys("a.test", "brief.test");

        // a's Secret goes: a is warned and gets the default certificate
        ClusterState withoutSecret = withoutB.with(List.of(Change.delete(withoutB.get(ResourceKind.SECRET,
                new ObjectRef("default", "a-tls")))));
        Compilation third = compiler.compile(withoutSecret, second);
        assertThat(timed.compiled(withoutSecret, third)).singleElement().satisfies(problem -> {
            assertThat(problem.ingress().name()).isEqualTo("a");
            assertThat(problem.reason()).isEqualTo(Problem.SECRET_NOT_FOUND);
        });
        assertThat(store.select("a.test")).isSameAs(generated);
        assertThat(store.select("brief.test")).isSameAs(brief);

        // brief's certificate expires: with nothing else changed, the next compilation refuses it, and only it
        now[0] = start.plus(Duration.ofHours(2));
        assertThat(timed.compiled(withoutSecret, third)).hasSize(2).anySatisfy(problem -> {
            assertThat(problem.ingress().name()).isEqualTo("brief");
            assertThat(problem.reason()).isEqualTo(Problem.INVALID_CERTIFICATE);
            assertThat(problem.message()).contains("expired");
        });
        assertThat(store.select("brief.test")).isSameAs(generated);
    }

    private static Ingress ingress(String name, String host, String secret) {
        IngressBuilder builder = new IngressBuilder().withNewMetadata().withNamespace("default").withName(name)
                .endMetadata().withNewSpec().withIngressClassName("caravan").addNewRule().withHost(host).endRule()
                .endSpec();
        if (secret != null) {
            builder.editSpec().addNewTl().withHosts(host).withSecretName(secret).endTl().endSpec();
        }
        return builder.build();
    }

    private Secret secret(String name, String host) {
        return secret(name, certificates.issue(host));
    }

    private static Secret secret(String name, TestCertificates.Issued issued) {
        Secret secret = Serialization.unmarshal(TestCertificates.secret(name, issued.certificatePem(), issued.keyPem()),
                Secret.class);
        secret.getMetadata().setNamespace("default");
        return secret;
    }
}

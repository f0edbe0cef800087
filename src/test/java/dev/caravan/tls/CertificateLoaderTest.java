package dev.caravan.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.compile.Compilation;
import dev.caravan.compile.ControllerSettings;
import dev.caravan.compile.IngressCompiler;
import dev.caravan.compile.Problem;
import dev.caravan.state.Change;
import dev.caravan.state.ClusterState;
import dev.caravan.testing.TestCertificates;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClassBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Clock;
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
        TestCertificates.Issued issued = certificates.issue(host);
        Secret secret = Serialization.unmarshal(TestCertificates.secret(name, issued.certificatePem(), issued.keyPem()),
                Secret.class);
        secret.getMetadata().setNamespace("default");
        return secret;
    }
}

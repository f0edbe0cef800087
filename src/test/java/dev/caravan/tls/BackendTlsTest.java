package dev.caravan.tls;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.compile.Problem;
import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import dev.caravan.testing.TestCertificates;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** backend-protocol HTTPS with proxy-ssl-*: pods authenticated against a Secret's CAs, or no request at all. */
class BackendTlsTest {

    private static final String NGINX = "nginx.ingress.kubernetes.io/";

    @TempDir
    static Path manifests;
    static TestBackend pod;
    static TestBackend podUnderOne;
    static TestBackend podUnderTwo;
    static CaravanHarness caravan;

    @BeforeAll
    static void start() throws Exception {
        TestCertificates podAuthority = new TestCertificates();
        TestCertificates.Issued podCertificate = podAuthority.issue("pod.internal");
        pod = TestBackend.startTls("127.0.0.2", "verified pod", podCertificate.keys().getPrivate(),
                podCertificate.certificate());
        // pods whose certificates an intermediate authority issued, and one issued by an intermediate's intermediate
        TestCertificates one = podAuthority.intermediate("CN=Pods Intermediate");
        TestCertificates.Issued underOne = one.issue("pod.internal");
        podUnderOne = TestBackend.startTls("127.0.0.3", "pod under one", underOne.keys().getPrivate(),
                underOne.certificate(), one.ca());
        TestCertificates two = one.intermediate("CN=Pods Sub-intermediate");
        TestCertificates.Issued underTwo = two.issue("pod.internal");
        podUnderTwo = TestBackend.startTls("127.0.0.4", "pod under two", underTwo.keys().getPrivate(),
                underTwo.certificate(), two.ca(), one.ca());

        TestCertificates.Issued client = podAuthority.issue("caravan.client");
        TestCertificates stranger = new TestCertificates();
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                Manifests.service("svc-one", podUnderOne), Manifests.service("svc-two", podUnderTwo),

                https("one-deep", "one.example.test", "pod-ca", "pod.internal", "svc-one", null),
                https("two-deep", "two.example.test", "pod-ca", "pod.internal", "svc-two", null),
                https("two-deep-allowed", "two-allowed.example.test", "pod-ca", "pod.internal", "svc-two", "2"),
                https("zero", "zero.example.test", "pod-ca", "pod.internal", "svc-one", "0"),
                caSecret("pod-ca", podAuthority, client), caSecret("other-ca", stranger, client),
                https("right", "right.example.test", "pod-ca", "pod.internal"),
                https("wrong-name", "wrongname.example.test", "pod-ca", "other.internal"),
                https("wrong-ca", "wrongca.example.test", "other-ca", "pod.internal"),
                https("missing", "missing.example.test", "nope", "pod.internal"),
                https("elsewhere", "elsewhere.example.test", "kube-system/pod-ca", "pod.internal"),
                Manifests.ingress("unverified", "unverified.example.test", "/", "svc",
                        Map.of(NGINX + "backend-protocol", "HTTPS"))));
        caravan = CaravanHarness.start(manifests);
    }

    @AfterAll
    static void stop() throws Exception {
        caravan.close();
        pod.close();
        podUnderOne.close();
        podUnderTwo.close();
    }

    @Test
    void aPodsChainMayHaveAsManyIntermediatesAsProxySslVerifyDepthSaysOneByDefault() throws Exception {
        assertThat(RawHttp.get(caravan.httpPort(), "one.example.test", "/").text()).isEqualTo("pod under one");
        assertThat(RawHttp.get(caravan.httpPort(), "two.example.test", "/").status()).isEqualTo(502);
        assertThat(RawHttp.get(caravan.httpPort(), "two-allowed.example.test", "/").text()).isEqualTo("pod under two");
        assertThat(podUnderTwo.seen()).as("a pod refused never gets the request").hasSize(1);
        // as ingress-nginx: 0 is taken as 1, and said
        assertThat(RawHttp.get(caravan.httpPort(), "zero.example.test", "/").text()).isEqualTo("pod under one");
        assertThat(caravan.caravan().lastCompilation().problems()).anySatisfy(problem -> {
            assertThat(problem.ingress().name()).isEqualTo("zero");
            assertThat(problem.reason()).isEqualTo(Problem.IGNORED_ANNOTATION);
            assertThat(problem.message()).contains(NGINX + "proxy-ssl-verify-depth: '0' is not a depth from 1 to 100");
        });
    }

    @Test
    void aPodWhoseCertificateChainsToTheSecretsCaAndCarriesTheNameIsServed() throws Exception {
        RawHttp.Response response = RawHttp.get(caravan.httpPort(), "right.example.test", "/");
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.text()).isEqualTo("verified pod");
    }

    @Test
    void withoutVerificationAnyCertificateIsAcceptedAsIngressNginxDoes() throws Exception {
        assertThat(RawHttp.get(caravan.httpPort(), "unverified.example.test", "/").text()).isEqualTo("verified pod");
    }

    @Test
    void aPodThatFailsVerificationGets502() throws Exception {
        assertThat(RawHttp.get(caravan.httpPort(), "wrongname.example.test", "/").status()).isEqualTo(502);
        assertThat(RawHttp.get(caravan.httpPort(), "wrongca.example.test", "/").status()).isEqualTo(502);
    }

    @Test
    void anUnusableSecretIsReportedAndNeverFallsBackToNoVerification() throws Exception {
        assertThat(RawHttp.get(caravan.httpPort(), "missing.example.test", "/").status()).isEqualTo(502);
        assertThat(caravan.caravan().lastCompilation().problems()).anySatisfy(problem -> {
            assertThat(problem.ingress().name()).isEqualTo("missing");
            assertThat(problem.reason()).isEqualTo(Problem.SECRET_NOT_FOUND);
        });
        // another namespace's Secret is refused: that Ingress is invalid
        assertThat(caravan.caravan().lastCompilation().problems()).anySatisfy(problem -> {
            assertThat(problem.ingress().name()).isEqualTo("elsewhere");
            assertThat(problem.severity()).isEqualTo(Problem.Severity.INVALID);
            assertThat(problem.message()).contains("proxy-ssl-secret").contains("another namespace");
        });
        assertThat(RawHttp.get(caravan.httpPort(), "elsewhere.example.test", "/").status()).isEqualTo(404);
    }

    private static String https(String name, String host, String secret, String podName) {
        return https(name, host, secret, podName, "svc", null);
    }

    private static String https(String name, String host, String secret, String podName, String service,
            String depth) {
        Map<String, String> annotations = new HashMap<>();
        if (depth != null) {
            annotations.put(NGINX + "proxy-ssl-verify-depth", depth);
        }
        annotations.put(NGINX + "backend-protocol", "HTTPS");
        annotations.put(NGINX + "proxy-ssl-secret", secret);
        annotations.put(NGINX + "proxy-ssl-verify", "on");
        annotations.put(NGINX + "proxy-ssl-name", podName);
        annotations.put(NGINX + "proxy-ssl-server-name", "on");
        return Manifests.ingress(name, host, "/", service, annotations);
    }

    /** A kubernetes.io/tls Secret with a client certificate and the CA that pods' certificates must chain to. */
    private static String caSecret(String name, TestCertificates authority, TestCertificates.Issued client) {
        String base = client.secret(name);
        return base + "  ca.crt: " + Base64.getEncoder().encodeToString(
                new TestCertificates.Issued(authority.ca(), null).certificatePem().getBytes()) + "\n";
    }
}

package dev.caravan.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.TestBackend;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --annotations-prefix: the annotations of that prefix are applied, and those of the usual one are not. */
class AnnotationsPrefixTest {

    @TempDir
    Path manifests;

    @Test
    void theAnnotationsOfTheGivenPrefixAreReadAndTheUsualOnesAreNot() throws Exception {
        try (TestBackend pod = TestBackend.start("127.0.0.2", "pod")) {
            CaravanHarness.write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(),
                    Manifests.service("svc", pod),
                    Manifests.ingress("custom", "custom.test", "/echo", "svc",
                            Map.of("internal.example.com/rewrite-target", "/")),
                    Manifests.ingress("usual", "usual.test", "/echo", "svc",
                            Map.of("nginx.ingress.kubernetes.io/rewrite-target", "/"))));
            try (CaravanHarness caravan = CaravanHarness.start(manifests, "--annotations-prefix",
                    "internal.example.com")) {
                assertThat(caravan.get("custom.test", "/echo").status()).isEqualTo(200);
                assertThat(pod.seen().get(pod.seen().size() - 1).uri()).isEqualTo("/");
                assertThat(caravan.get("usual.test", "/echo").status()).isEqualTo(200);
                assertThat(pod.seen().get(pod.seen().size() - 1).uri()).isEqualTo("/echo");
            }
        }
    }
}

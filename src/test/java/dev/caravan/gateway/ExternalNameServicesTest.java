package dev.caravan.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.caravan.status.LoggingProblemReporter;
import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.LogCapture;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import dev.caravan.testing.TestDns;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Service of type ExternalName as an Ingress backend, its name answered by a DNS server on loopback: requests go
 * to the addresses it resolves to, follow the records as they change, and get 503 (told) while it resolves to nothing.
 */
class ExternalNameServicesTest {

    private static final String NAME = "api.partner.test";

    @TempDir
    Path manifests;

    @Test
    void requestsGoToTheAddressesTheNameResolvesToAndFollowItsRecords() throws Exception {
        try (TestDns dns = new TestDns(); TestBackend first = TestBackend.start("127.0.0.2", "first");
                TestBackend second = TestBackend.start("127.0.0.3", "second", first.port())) {
            dns.set(NAME, "127.0.0.2");
            // an answer slower than the rest of the start
            dns.delay(NAME, Duration.ofSeconds(3));
            CaravanHarness.write(manifests, "partner.yaml", String.join("---\n", Manifests.ingressClass(),
                    externalName("partner", NAME, first.port()), Manifests.ingress("out", "out.test", "/", "partner"),
                    externalName("unused", "unused.partner.test", first.port())));
            try (LogCapture problems = new LogCapture(LoggingProblemReporter.class);
                    CaravanHarness caravan = CaravanHarness.start(manifests, "--resolver", dns.address())) {
                dns.delay(NAME, Duration.ZERO);
                // ready only once the name was answered: the very first request is served
                RawHttp.Response response = caravan.get("out.test", "/orders?id=1");
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.text()).isEqualTo("first");
                // sent as to a pod: the client's Host, the path as asked
                assertThat(first.seen().get(0).headers().get("Host")).isEqualTo("out.test");
                assertThat(first.seen().get(0).uri()).isEqualTo("/orders?id=1");

                // a second address: both take requests
                dns.set(NAME, "127.0.0.3", "127.0.0.2");
                Set<String> answered = new HashSet<>();
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
                    answered.add(caravan.get("out.test", "/").text());
                    return answered.containsAll(Set.of("first", "second"));
                });

                // the name resolves to nothing: 503, and said so
                dns.remove(NAME);
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                        .until(() -> caravan.get("out.test", "/").status() == 503);
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(problems.lines())
                        .anyMatch(line -> line.contains("default/out") && line.contains("ExternalNameNotResolved")
                                && line.contains(NAME + " does not resolve (no such name, or no address for it)")));

                // back, at one address only
                dns.set(NAME, "127.0.0.3");
                await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                        .until(() -> caravan.get("out.test", "/").status() == 200);
                int before = first.seen().size();
                for (int i = 0; i < 6; i++) {
                    assertThat(caravan.get("out.test", "/").text()).isEqualTo("second");
                }
                assertThat(first.seen()).hasSize(before);
                assertThat(problems.lines()).anyMatch(line -> line.contains("Resolved: Ingress default/out")
                        && line.contains(NAME + " does not resolve"));
                // a Service no Ingress names is never looked up
                assertThat(dns.asked()).isNotEmpty().noneMatch(asked -> asked.toLowerCase().startsWith("unused."));
            }
        }
    }

    @Test
    void theDefaultBackendMayBeOneAndIsLookedUpBeforeReady() throws Exception {
        try (TestDns dns = new TestDns(); TestBackend pod = TestBackend.start("127.0.0.2", "fallback")) {
            dns.set(NAME, "127.0.0.2");
            dns.delay(NAME, Duration.ofSeconds(2));
            CaravanHarness.write(manifests, "partner.yaml", String.join("---\n", Manifests.ingressClass(),
                    externalName("partner", NAME, pod.port())));
            try (CaravanHarness caravan = CaravanHarness.start(manifests, "--resolver", dns.address(),
                    "--default-backend-service", "default/partner")) {
                RawHttp.Response response = caravan.get("anything.test", "/x");
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.text()).isEqualTo("fallback");
            }
        }
    }

    @Test
    void theFlagRefusesThemAndNoNameIsAsked() throws Exception {
        try (TestDns dns = new TestDns(); TestBackend pod = TestBackend.start("127.0.0.2", "pod")) {
            dns.set(NAME, "127.0.0.2");
            CaravanHarness.write(manifests, "partner.yaml", String.join("---\n", Manifests.ingressClass(),
                    externalName("partner", NAME, pod.port()), Manifests.ingress("out", "out.test", "/", "partner")));
            try (LogCapture problems = new LogCapture(LoggingProblemReporter.class);
                    CaravanHarness caravan = CaravanHarness.start(manifests, "--resolver", dns.address(),
                            "--disable-svc-external-name")) {
                assertThat(caravan.get("out.test", "/").status()).isEqualTo(503);
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(problems.lines())
                        .anyMatch(line -> line.contains("which --disable-svc-external-name refuses")));
                assertThat(dns.questions()).isZero();
                assertThat(pod.seen()).isEmpty();
            }
        }
    }

    /** A Service of type ExternalName with port http 80 whose target is {@code targetPort}. */
    private static String externalName(String service, String name, int targetPort) {
        return """
                apiVersion: v1
                kind: Service
                metadata:
                  name: %s
                spec:
                  type: ExternalName
                  externalName: %s
                  ports:
                    - name: http
                      port: 80
                      targetPort: %d
                """.formatted(service, name, targetPort);
    }
}

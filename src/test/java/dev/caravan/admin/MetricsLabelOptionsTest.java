package dev.caravan.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --report-status-classes, --metrics-per-host=false and --metrics-per-undefined-host: the request series' labels as ingress-nginx's flags make them. */
class MetricsLabelOptionsTest {

    @TempDir
    Path manifests;

    @Test
    void statusClassesAndNoHostLabel() throws Exception {
        try (TestBackend pod = TestBackend.start("127.0.0.2", "pod")) {
            CaravanHarness.write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(),
                    Manifests.service("svc", pod), Manifests.ingress("web", "web.test", "/", "svc")));
            try (CaravanHarness caravan = CaravanHarness.start(manifests, "--report-status-classes",
                    "--metrics-per-host=false")) {
                assertThat(caravan.get("web.test", "/").status()).isEqualTo(200);
                assertThat(caravan.get("nobody.test", "/").status()).isEqualTo(404);
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                    String metrics = RawHttp.get(caravan.adminPort(), "localhost", "/metrics").text();
                    assertThat(metrics.lines().filter(line -> line.startsWith("nginx_ingress_controller_requests{")))
                            .anySatisfy(line -> assertThat(line).contains("ingress=\"web\"", "status=\"2xx\""))
                            .anySatisfy(line -> assertThat(line).contains("ingress=\"\"", "status=\"4xx\""))
                            .allSatisfy(line -> assertThat(line).doesNotContain("host=").doesNotContain("status=\"200\""));
                });
            }
        }
    }

    @Test
    void theHostLabelIsAnExactHostNeverAHostAClientChoseUnderAWildcard() throws Exception {
        try (TestBackend pod = TestBackend.start("127.0.0.2", "pod")) {
            CaravanHarness.write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(),
                    Manifests.service("svc", pod), Manifests.ingress("web", "web.test", "/", "svc"),
                    Manifests.ingress("wild", "*.wild.test", "/", "svc")));
            try (CaravanHarness caravan = CaravanHarness.start(manifests)) {
                assertThat(caravan.get("web.test", "/").status()).isEqualTo(200);
                for (String client : new String[] {"a.wild.test", "b.wild.test"}) {
                    assertThat(caravan.get(client, "/").status()).isEqualTo(200);
                }
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                    String metrics = RawHttp.get(caravan.adminPort(), "localhost", "/metrics").text();
                    assertThat(metrics.lines().filter(line -> line.startsWith("nginx_ingress_controller_requests{")))
                            .anySatisfy(line -> assertThat(line).contains("host=\"web.test\"", "ingress=\"web\""))
                            .anySatisfy(line -> assertThat(line).contains("host=\"\"", "ingress=\"wild\""))
                            .allSatisfy(line -> assertThat(line).doesNotContain("wild.test\""));
                });
            }
        }
    }

    @Test
    void aCanarysRequestsAreLabelledAsIngressNginxLabelsThem() throws Exception {
        try (TestBackend main = TestBackend.start("127.0.0.2", "main"); TestBackend next = TestBackend.start("127.0.0.3",
                "next")) {
            CaravanHarness.write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(),
                    Manifests.service("svc", main), Manifests.service("next-svc", next),
                    Manifests.ingress("web", "web.test", "/", "svc"),
                    Manifests.ingress("web-canary", "web.test", "/", "next-svc", java.util.Map.of(
                            "nginx.ingress.kubernetes.io/canary", "true",
                            "nginx.ingress.kubernetes.io/canary-weight", "100"))));
            try (CaravanHarness caravan = CaravanHarness.start(manifests)) {
                assertThat(caravan.get("web.test", "/").text()).isEqualTo("next");
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                    String metrics = RawHttp.get(caravan.adminPort(), "localhost", "/metrics").text();
                    // the location's Ingress and Service, and the canary's upstream as $proxy_alternative_upstream_name
                    assertThat(metrics.lines().filter(line -> line.startsWith("nginx_ingress_controller_requests{")))
                            .anySatisfy(line -> assertThat(line).contains("canary=\"default-next-svc-80\"",
                                    "ingress=\"web\"", "service=\"svc\""));
                });
            }
        }
    }

    @Test
    void aClientsHostIsALabelOnlyWhenItIsAHostNameOrAddress() {
        assertThat(RequestMetrics.hostLabel("Shop.Example.TEST:8443")).isEqualTo("shop.example.test");
        assertThat(RequestMetrics.hostLabel("shop.example.test.")).isEqualTo("shop.example.test");
        assertThat(RequestMetrics.hostLabel("[2001:DB8::1]:443")).isEqualTo("[2001:db8::1]");
        assertThat(RequestMetrics.hostLabel("10.0.0.1")).isEqualTo("10.0.0.1");
        assertThat(RequestMetrics.hostLabel("a\"b.test")).isNull();
        assertThat(RequestMetrics.hostLabel("[not-v6]")).isNull();
        assertThat(RequestMetrics.hostLabel("a".repeat(254))).isNull();
        assertThat(RequestMetrics.hostLabel(null)).isNull();
        assertThat(RequestMetrics.hostLabel(".")).isNull();
    }

    @Test
    void perUndefinedHostTheClientsHostsAreLabelsInSeriesOfTheirOwnUpToTheirCap() throws Exception {
        try (TestBackend pod = TestBackend.start("127.0.0.2", "pod")) {
            CaravanHarness.write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(),
                    Manifests.service("svc", pod), Manifests.ingress("web", "web.test", "/", "svc"),
                    Manifests.ingress("wild", "*.wild.test", "/", "svc")));
            try (CaravanHarness caravan = CaravanHarness.start(manifests, "--metrics-per-undefined-host")) {
                assertThat(caravan.get("web.test", "/").status()).isEqualTo(200);
                assertThat(caravan.get("A.Wild.test:8080", "/").status()).isEqualTo(200);
                assertThat(caravan.get("nobody.test", "/").status()).isEqualTo(404);
                // no host name: under no host
                assertThat(caravan.get("x!y.test", "/").status()).isEqualTo(404);
                for (int i = 0; i < RequestMetrics.MAX_UNDEFINED_HOST_SERIES; i++) {
                    assertThat(caravan.get("h" + i + ".wild.test", "/").status()).isEqualTo(200);
                }
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                    String metrics = RawHttp.get(caravan.adminPort(), "localhost", "/metrics").text();
                    List<String> requests = metrics.lines()
                            .filter(line -> line.startsWith("nginx_ingress_controller_requests{")).toList();
                    assertThat(requests)
                            .anySatisfy(line -> assertThat(line).contains("host=\"web.test\"", "ingress=\"web\""))
                            .anySatisfy(line -> assertThat(line).contains("host=\"a.wild.test\"", "ingress=\"wild\""))
                            .anySatisfy(line -> assertThat(line).contains("host=\"nobody.test\"", "status=\"404\""))
                            // the cap reached: later hosts are counted under none
                            .anySatisfy(line -> assertThat(line).contains("host=\"\"", "ingress=\"wild\""));
                    assertThat(requests).noneMatch(line -> line.contains("x!y"));
                    assertThat(requests.stream().filter(line -> line.contains("wild.test\""))).hasSize(
                            RequestMetrics.MAX_UNDEFINED_HOST_SERIES - 1);
                });
            }
        }
    }
}

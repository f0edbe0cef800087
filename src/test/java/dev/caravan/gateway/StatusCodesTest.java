package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.FreePorts;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import dev.caravan.testing.TestCertificates;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --limit-req-status-code, --limit-conn-status-code, --http-redirect-code: the statuses operators choose. */
class StatusCodesTest {

    private static final String NGINX = "nginx.ingress.kubernetes.io/";

    @TempDir
    Path manifests;

    @Test
    void limitsAndRedirectsAnswerWithTheChosenStatuses() throws Exception {
        TestBackend pod = TestBackend.start("127.0.0.2", "pod");
        TestBackend slowPod = TestBackend.start("127.0.0.3", "slow");
        slowPod.delay(1500);
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                Manifests.service("slow", slowPod), new TestCertificates().issue("tls.test").secret("tls-cert"),
                Manifests.ingress("rps", "rps.test", "/", "svc", Map.of(NGINX + "limit-rps", "1")),
                Manifests.ingress("conns", "conns.test", "/", "slow", Map.of(NGINX + "limit-connections", "1")),
                Manifests.tlsIngress("tls", "tls.test", "/", "svc", "tls.test", "tls-cert"),
                Manifests.ingress("www", "www.shop.test", "/", "svc", Map.of(NGINX + "from-to-www-redirect", "true"))));
        try (CaravanHarness caravan = CaravanHarness.start(manifests, "--limit-req-status-code", "429",
                "--limit-conn-status-code", "418", "--http-redirect-code", "301")) {
            int limited = 0;
            for (int i = 0; i < 10; i++) {
                int status = caravan.get("rps.test", "/").status();
                assertThat(status).isIn(200, 429);
                limited += status == 429 ? 1 : 0;
            }
            assertThat(limited).isPositive();
            CompletableFuture<Integer> first = CompletableFuture.supplyAsync(() -> {
                try {
                    return caravan.get("conns.test", "/").status();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(500);
            assertThat(caravan.get("conns.test", "/").status()).isEqualTo(418);
            assertThat(first.get()).isEqualTo(200);
            RawHttp.Response toHttps = caravan.get("tls.test", "/a");
            assertThat(toHttps.status()).isEqualTo(301);
            assertThat(toHttps.header("Location")).isEqualTo("https://tls.test/a");
            assertThat(caravan.get("shop.test", "/b").status()).isEqualTo(301);
        } finally {
            pod.close();
            slowPod.close();
        }
    }

    @Test
    void customHttpErrorsOfTheConfigMapServeIngressesWithoutTheirOwn() throws Exception {
        TestBackend pod = TestBackend.start("127.0.0.2", "pod");
        pod.respond(request -> TestBackend.text(HttpResponseStatus.valueOf(Integer.parseInt(
                request.uri().substring(1))), "the pod's own"));
        TestBackend errors = TestBackend.start("127.0.0.4", "errors");
        errors.respond(request -> TestBackend.text(HttpResponseStatus.valueOf(Integer.parseInt(
                request.headers().get("X-Code"))), "page for " + request.headers().get("X-Code")));
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                Manifests.service("errors", errors), Manifests.ingress("plain", "plain.test", "/", "svc"),
                Manifests.ingress("own", "own.test", "/", "svc", Map.of(NGINX + "custom-http-errors", "503"))));
        try (CaravanHarness caravan = CaravanHarness.start(manifests, "--custom-http-errors", "404,500",
                "--default-backend-service", "default/errors")) {
            assertThat(caravan.get("plain.test", "/404").text()).isEqualTo("page for 404");
            assertThat(caravan.get("plain.test", "/500").text()).isEqualTo("page for 500");
            RawHttp.Response notListed = caravan.get("plain.test", "/503");
            assertThat(notListed.status()).isEqualTo(503);
            assertThat(notListed.text()).isEqualTo("the pod's own");
            // an Ingress's own list replaces the ConfigMap's, as in ingress-nginx
            assertThat(caravan.get("own.test", "/404").text()).isEqualTo("the pod's own");
            assertThat(caravan.get("own.test", "/503").text()).isEqualTo("page for 503");
        } finally {
            pod.close();
            errors.close();
        }
    }

    /** nginx's error_page takes its own 502, 503 and 504 as it takes a pod's: the maintenance page while pods are down. */
    @Test
    void customHttpErrorsCoverWhatCaravanAnswersForThePods() throws Exception {
        TestBackend errors = TestBackend.start("127.0.0.4", "errors");
        errors.respond(request -> TestBackend.text(HttpResponseStatus.valueOf(Integer.parseInt(
                request.headers().get("X-Code"))), "page for " + request.headers().get("X-Code")));
        TestBackend slow = TestBackend.start("127.0.0.5", "slow");
        slow.delay(3000);
        String codes = NGINX + "custom-http-errors";
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("errors", errors),
                Manifests.service("slow", slow),
                // an endpoint where nothing listens, and one not ready
                Manifests.service("refusing") + "---\n"
                        + Manifests.slice("refusing-0", "refusing", "127.0.0.6", FreePorts.next(), true),
                Manifests.service("empty") + "---\n"
                        + Manifests.slice("empty-0", "empty", "127.0.0.6", FreePorts.next(), false),
                Manifests.ingress("refusing", "refusing.test", "/", "refusing", Map.of(codes, "502")),
                Manifests.ingress("empty", "empty.test", "/", "empty", Map.of(codes, "503")),
                Manifests.ingress("slow", "slow.test", "/", "slow", Map.of(codes, "504",
                        NGINX + "proxy-read-timeout", "1")),
                Manifests.ingress("unlisted", "unlisted.test", "/", "refusing", Map.of(codes, "503"))));
        try (CaravanHarness caravan = CaravanHarness.start(manifests, "--default-backend-service", "default/errors")) {
            RawHttp.Response refused = caravan.get("refusing.test", "/x");
            assertThat(refused.status()).isEqualTo(502);
            assertThat(refused.text()).isEqualTo("page for 502");
            RawHttp.Response empty = caravan.get("empty.test", "/x");
            assertThat(empty.status()).isEqualTo(503);
            assertThat(empty.text()).isEqualTo("page for 503");
            RawHttp.Response timedOut = caravan.get("slow.test", "/x");
            assertThat(timedOut.status()).isEqualTo(504);
            assertThat(timedOut.text()).isEqualTo("page for 504");
            // a status the Ingress does not list is Caravan's own short answer
            assertThat(caravan.get("unlisted.test", "/x").text()).isEqualTo("502 Bad Gateway\n");
        } finally {
            errors.close();
            slow.close();
        }
    }
}

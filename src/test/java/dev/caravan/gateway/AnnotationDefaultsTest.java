package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.caravan.cli.LiveConfigMap;
import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.LogCapture;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import dev.caravan.testing.TestCertificates;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --ssl-redirect, --whitelist-source-range, ...: ingress-nginx's ConfigMap keys that are annotations' defaults. */
class AnnotationDefaultsTest {

    private static final String NGINX = "nginx.ingress.kubernetes.io/";

    @TempDir
    Path manifests;

    @Test
    void ingressesWithoutTheAnnotationTakeTheFlagsValueAndTheirOwnWins() throws Exception {
        TestBackend pod = TestBackend.start("127.0.0.2", "pod");
        TestCertificates certificates = new TestCertificates();
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                certificates.issue("plain.test").secret("plain-tls"), certificates.issue("strict.test").secret("strict-tls"),
                Manifests.withTls(Manifests.ingress("plain", "plain.test", "/", "svc", Map.of(NGINX
                        + "whitelist-source-range", "127.0.0.0/8")), "plain.test", "plain-tls"),
                Manifests.withTls(Manifests.ingress("strict", "strict.test", "/", "svc", Map.of(NGINX
                        + "whitelist-source-range", "127.0.0.0/8", NGINX + "ssl-redirect", "true")), "strict.test",
                        "strict-tls"),
                Manifests.ingress("open", "open.test", "/", "svc")));
        try (CaravanHarness caravan = CaravanHarness.start(manifests, "--ssl-redirect", "false",
                "--whitelist-source-range", "10.0.0.0/8")) {
            // as ingress-nginx's ssl-redirect: "false" in its ConfigMap: plain HTTP is served, unless an Ingress says
            assertThat(caravan.get("plain.test", "/").status()).isEqualTo(200);
            assertThat(caravan.get("strict.test", "/").status()).isEqualTo(308);
            // the allow-list applies to every Ingress without one of its own: loopback is not in 10.0.0.0/8
            assertThat(caravan.get("open.test", "/").status()).isEqualTo(403);
        } finally {
            pod.close();
        }
    }
    @Test
    void aChangeToTheConfigMapsKeysOfAnnotationsIsServedWithoutARestart() throws Exception {
        TestBackend pod = TestBackend.start("127.0.0.2", "pod");
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                Manifests.ingress("open", "open.test", "/", "svc"),
                Manifests.ingress("own", "own.test", "/", "svc", Map.of(NGINX + "whitelist-source-range",
                        "127.0.0.0/8", NGINX + "proxy-body-size", "1m"))));
        write(manifests, "controller.yaml", Manifests.configMap("controller", "client-header-timeout: \"30\""));
        String upload = "POST / HTTP/1.1\r\nHost: %s\r\nContent-Length: 2048\r\n\r\n" + "x".repeat(2048);
        try (CaravanHarness caravan = CaravanHarness.start(manifests, "--configmap", "default/controller");
                LogCapture log = new LogCapture(LiveConfigMap.class)) {
            assertThat(caravan.get("open.test", "/").status()).isEqualTo(200);
            assertThat(RawHttp.exchange(caravan.httpPort(), upload.formatted("open.test")).status()).isEqualTo(200);
            // loopback is not in 10.0.0.0/8: the allow-list every Ingress without one gets keeps it out at once; and
            // the body size of every Ingress without one is the ConfigMap's
            caravan.write("controller.yaml", Manifests.configMap("controller", "client-header-timeout: \"30\"\n"
                    + "  whitelist-source-range: 10.0.0.0/8\n  proxy-body-size: 1k"));
            await().atMost(Duration.ofSeconds(10)).until(() -> caravan.get("open.test", "/").status() == 403);
            assertThat(caravan.get("own.test", "/").status()).isEqualTo(200);
            assertThat(RawHttp.exchange(caravan.httpPort(), upload.formatted("own.test")).status()).isEqualTo(200);
            // the keys taken out: the flags' values again
            caravan.write("controller.yaml", Manifests.configMap("controller", "client-header-timeout: \"120\"\n"
                    + "  proxy-body-size: 1k"));
            await().atMost(Duration.ofSeconds(10)).until(() -> caravan.get("open.test", "/").status() == 200);
            assertThat(RawHttp.exchange(caravan.httpPort(), upload.formatted("open.test")).status()).isEqualTo(413);
            // the clients' header timeout is the listeners': told, not applied
            assertThat(log.lines()).anySatisfy(line -> assertThat(line).startsWith("WARN").contains(
                    "--client-header-timeout is read at start, and takes a restart"));
        } finally {
            pod.close();
        }
    }
}

package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import dev.caravan.testing.TestCertificates;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * use-forwarded-headers behind an L7 load balancer (127.0.0.1, the only one trusted): its X-Forwarded-* headers say
 * who the client is and what it asked for; anyone else's are replaced.
 */
class ForwardedHeadersTrustTest {

    private static final String P = "nginx.ingress.kubernetes.io/";
    private static final String FROM_BALANCER = "X-Forwarded-For: 198.51.100.1, 203.0.113.7\r\nX-Forwarded-Proto: https\r\n"
            + "X-Forwarded-Host: shop.example.com\r\nX-Forwarded-Port: 443\r\n";

    @TempDir
    java.nio.file.Path manifests;
    TestBackend pod;
    CaravanHarness caravan;

    @BeforeEach
    void start() throws Exception {
        pod = TestBackend.start("127.0.0.2", "pod");
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                new TestCertificates().issue("tls.test").secret("tls-cert"),
                Manifests.ingress("open", "open.test", "/", "svc"),
                Manifests.tlsIngress("tls", "tls.test", "/", "svc", "tls.test", "tls-cert"),
                Manifests.ingress("allowed", "allowed.test", "/", "svc",
                        Map.of(P + "allowlist-source-range", "203.0.113.0/24")),
                Manifests.ingress("www", "www.shop.test", "/", "svc", Map.of(P + "from-to-www-redirect", "true"))));
        caravan = CaravanHarness.start(manifests, "--use-forwarded-headers", "--compute-full-forwarded-for",
                "--proxy-real-ip-cidr", "127.0.0.1");
    }

    @AfterEach
    void stop() throws Exception {
        caravan.close();
        pod.close();
    }

    private RawHttp.Response get(String from, String host, String headers) throws Exception {
        try (RawHttp client = new RawHttp(RawHttp.connectFrom(from, caravan.httpPort()), 10_000)) {
            client.send("GET /x HTTP/1.1\r\nHost: " + host + "\r\n" + headers + "\r\n");
            return client.read(false);
        }
    }

    @Test
    void theBalancersHeadersNameTheClientAndWhatItAskedFor() throws Exception {
        assertThat(get("127.0.0.1", "open.test", FROM_BALANCER).status()).isEqualTo(200);
        assertThat(pod.last().headers().get("X-Real-IP")).isEqualTo("203.0.113.7");
        // compute-full-forwarded-for: the chain as it came, and the balancer
        assertThat(pod.last().headers().get("X-Forwarded-For")).isEqualTo("198.51.100.1, 203.0.113.7, 127.0.0.1");
        assertThat(pod.last().headers().get("X-Forwarded-Proto")).isEqualTo("https");
        assertThat(pod.last().headers().get("X-Forwarded-Port")).isEqualTo("443");
        // as ingress-nginx's $best_http_host, the Host the pod gets too
        assertThat(pod.last().headers().get("X-Forwarded-Host")).isEqualTo("shop.example.com");
        assertThat(pod.last().headers().get("Host")).isEqualTo("shop.example.com");
        // the other names of the scheme, and the chain as it came, as ingress-nginx sends them
        assertThat(pod.last().headers().get("X-Forwarded-Scheme")).isEqualTo("https");
        assertThat(pod.last().headers().get("X-Scheme")).isEqualTo("https");
        assertThat(pod.last().headers().get("X-Original-Forwarded-For")).isEqualTo("198.51.100.1, 203.0.113.7");
        assertThat(get("127.0.0.1", "allowed.test", FROM_BALANCER).status()).isEqualTo(200);
        // TLS ended at the balancer: no redirect to HTTPS; over plain HTTP, one
        assertThat(get("127.0.0.1", "tls.test", FROM_BALANCER).status()).isEqualTo(200);
        RawHttp.Response redirect = get("127.0.0.1", "tls.test", "X-Forwarded-Host: tls.example.com:8000\r\n");
        assertThat(redirect.status()).isEqualTo(308);
        // to the host the client asked the balancer for, as ingress-nginx's redirect_host()
        assertThat(redirect.header("Location")).isEqualTo("https://tls.example.com/x");
        // from-to-www-redirect keeps the scheme the client used
        RawHttp.Response www = get("127.0.0.1", "shop.test", "X-Forwarded-Proto: https\r\n");
        assertThat(www.status()).isEqualTo(308);
        assertThat(www.header("Location")).isEqualTo("https://www.shop.test/x");
    }

    @Test
    void anyoneElsesForwardedHeadersAreReplaced() throws Exception {
        assertThat(get("127.0.0.9", "open.test", FROM_BALANCER).status()).isEqualTo(200);
        assertThat(pod.last().headers().get("X-Real-IP")).isEqualTo("127.0.0.9");
        assertThat(pod.last().headers().get("X-Forwarded-For")).isEqualTo("127.0.0.9");
        assertThat(pod.last().headers().get("X-Forwarded-Proto")).isEqualTo("http");
        assertThat(pod.last().headers().get("Host")).isEqualTo("open.test");
        assertThat(pod.last().headers().get("X-Forwarded-Scheme")).isEqualTo("http");
        assertThat(pod.last().headers().get("X-Scheme")).isEqualTo("http");
        assertThat(get("127.0.0.9", "allowed.test", FROM_BALANCER).status()).isEqualTo(403);
        assertThat(get("127.0.0.9", "tls.test", FROM_BALANCER).status()).isEqualTo(308);
    }
}

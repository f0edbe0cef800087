package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.caravan.compile.Problem;
import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mirror-target: a copy of each request goes to the mirror once the request is whole, with its method, headers,
 * body and the target's path; the client gets the pod's answer whatever the mirror does.
 */
class RequestMirrorTest {

    private static final String P = "nginx.ingress.kubernetes.io/";

    @TempDir
    Path manifests;
    TestBackend pod;
    TestBackend mirror;
    CaravanHarness caravan;
    final List<String> mirroredBodies = new CopyOnWriteArrayList<>();
    int closedPort;

    @BeforeEach
    void start() throws Exception {
        pod = TestBackend.start("127.0.0.2", "pod");
        mirror = TestBackend.start("127.0.0.3", "mirror");
        mirror.respond(request -> {
            mirroredBodies.add(request.content().toString(StandardCharsets.UTF_8));
            return TestBackend.text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "the mirror's answer goes nowhere");
        });
        try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.4"))) {
            closedPort = free.getLocalPort();
        }
        String target = "http://127.0.0.3:" + mirror.port();
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                Manifests.ingress("shop", "shop.test", "/", "svc", Map.of(P + "mirror-target", target + "$request_uri",
                        P + "mirror-host", "shadow.test")),
                Manifests.ingress("headers-only", "light.test", "/", "svc", Map.of(P + "mirror-target",
                        target + "/copies$uri", P + "mirror-request-body", "off")),
                Manifests.ingress("loose", "loose.test", "/", "svc", Map.of(P + "mirror-target",
                        target + "$request_uri", P + "mirror-request-body", "yes")),
                Manifests.ingress("nowhere", "nowhere.test", "/", "svc", Map.of(P + "mirror-target",
                        "http://127.0.0.4:" + closedPort + "$request_uri")),
                """
                apiVersion: v1
                kind: Secret
                metadata: {name: users}
                type: Opaque
                data:
                  auth: %s
                """.formatted(Base64.getEncoder().encodeToString(("ann:{SHA}" + Base64.getEncoder().encodeToString(
                        MessageDigest.getInstance("SHA-1").digest("secret".getBytes(StandardCharsets.UTF_8))))
                        .getBytes(StandardCharsets.UTF_8))),
                Manifests.ingress("private", "private.test", "/", "svc", Map.of(P + "mirror-target",
                        target + "$request_uri", P + "auth-type", "basic", P + "auth-secret", "users",
                        P + "proxy-body-size", "1k"))));
        caravan = CaravanHarness.start(manifests);
    }

    @AfterEach
    void stop() throws Exception {
        caravan.close();
        pod.close();
        mirror.close();
    }

    private RawHttp.Response post(String host, String path, String body) throws Exception {
        try (RawHttp client = new RawHttp(caravan.httpPort(), 10_000)) {
            client.send("POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nX-Team: checkout\r\nContent-Type: text/plain"
                    + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            return client.read(false);
        }
    }

    @Test
    void aCopyOfTheRequestGoesToTheMirrorWithItsBodyAndTheClientGetsThePodsAnswer() throws Exception {
        RawHttp.Response response = post("shop.test", "/cart/items?id=7", "{\"sku\": 42}");
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.text()).isEqualTo("pod");
        await().atMost(Duration.ofSeconds(10)).until(() -> !mirror.seen().isEmpty());
        TestBackend.Seen copy = mirror.last();
        assertThat(copy.method()).isEqualTo("POST");
        assertThat(copy.uri()).isEqualTo("/cart/items?id=7");
        assertThat(copy.headers().get("Host")).isEqualTo("shadow.test");
        assertThat(copy.headers().get("X-Team")).isEqualTo("checkout");
        assertThat(copy.headers().get("Content-Type")).isEqualTo("text/plain");
        assertThat(mirroredBodies).containsExactly("{\"sku\": 42}");
        assertThat(pod.last().uri()).isEqualTo("/cart/items?id=7");
        assertThat(pod.last().headers().get("Host")).isEqualTo("shop.test");
    }

    @Test
    void withTheBodyOffTheCopyHasNoneAndGoesToTheTargetsPath() throws Exception {
        assertThat(post("light.test", "/a/b?c=d", "not for the mirror").status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> !mirror.seen().isEmpty());
        TestBackend.Seen copy = mirror.last();
        assertThat(copy.method()).isEqualTo("POST");
        assertThat(copy.uri()).isEqualTo("/copies/a/b");
        assertThat(copy.bodyLength()).isZero();
        // the target's host, as ingress-nginx: without its port
        assertThat(copy.headers().get("Host")).isEqualTo("127.0.0.3");
        assertThat(pod.last().bodyLength()).isEqualTo("not for the mirror".length());
    }

    @Test
    void aCopyCarriesNoCredentialsOfTheConnectionOrOfBasicAuthAndRefusedRequestsAreNotCopied() throws Exception {
        String basic = "Basic " + Base64.getEncoder().encodeToString("ann:secret".getBytes(StandardCharsets.UTF_8));
        try (RawHttp client = new RawHttp(caravan.httpPort(), 10_000)) {
            // no password: 401, and no copy
            client.send("GET /refused HTTP/1.1\r\nHost: private.test\r\n\r\n");
            assertThat(client.read(false).status()).isEqualTo(401);
            // a body over proxy-body-size, chunked so that it is found out as it comes: 413, and no copy
            client.send("POST /too-large HTTP/1.1\r\nHost: private.test\r\nAuthorization: " + basic
                    + "\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" + "x".repeat(0x800) + "\r\n0\r\n\r\n");
            assertThat(client.read(false).status()).isEqualTo(413);
        }
        try (RawHttp client = new RawHttp(caravan.httpPort(), 10_000)) {
            client.send("GET /mine HTTP/1.1\r\nHost: private.test\r\nAuthorization: " + basic
                    + "\r\nProxy-Authorization: Basic cHJveHk6cGFzcw==\r\nConnection: keep-alive, X-Hop"
                    + "\r\nX-Hop: for this connection only\r\nX-Team: checkout\r\n\r\n");
            assertThat(client.read(false).status()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> !mirror.seen().isEmpty());
        TestBackend.Seen copy = mirror.last();
        assertThat(copy.uri()).isEqualTo("/mine");
        assertThat(copy.headers().get("X-Team")).isEqualTo("checkout");
        assertThat(copy.headers().contains("Authorization")).isFalse();
        assertThat(copy.headers().contains("Proxy-Authorization")).isFalse();
        assertThat(copy.headers().contains("X-Hop")).isFalse();
        Thread.sleep(300);
        assertThat(mirror.seen()).as("neither the 401 nor the 413 was copied").hasSize(1);
    }

    @Test
    void anInvalidValueIngressNginxPassesOverIsSaidAndTheIngressServedWithItsDefault() throws Exception {
        assertThat(post("loose.test", "/x", "body").status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> !mirror.seen().isEmpty());
        assertThat(mirroredBodies).containsExactly("body");
        assertThat(caravan.caravan().lastCompilation().problems()).anySatisfy(problem -> {
            assertThat(problem.ingress().name()).isEqualTo("loose");
            assertThat(problem.severity()).isEqualTo(Problem.Severity.WARNING);
            assertThat(problem.reason()).isEqualTo(Problem.IGNORED_ANNOTATION);
            assertThat(problem.message()).contains("invalid, not applied", P + "mirror-request-body: 'yes' is not on"
                    + " or off");
        });
    }

    @Test
    void aMirrorThatCannotBeReachedChangesNothingForTheClient() throws Exception {
        for (int i = 0; i < 3; i++) {
            RawHttp.Response response = post("nowhere.test", "/", "x");
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.text()).isEqualTo("pod");
        }
        assertThat(pod.seen()).hasSize(3);
        // and copies of requests bodiless, in HTTP/1.1 keep-alive: each whole at once
        try (RawHttp client = new RawHttp(caravan.httpPort(), 10_000)) {
            for (int i = 0; i < 2; i++) {
                client.send("GET /page/" + i + " HTTP/1.1\r\nHost: shop.test\r\n\r\n");
                assertThat(client.read(false).status()).isEqualTo(200);
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> mirror.seen().size() == 2);
        assertThat(mirror.seen()).extracting(TestBackend.Seen::uri).containsExactlyInAnyOrder("/page/0", "/page/1");
        // what became of them, for Prometheus
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(RawHttp.get(caravan.adminPort(),
                "localhost", "/metrics").text()).contains("caravan_mirror_copies_total{outcome=\"answered\"} 2.0",
                "caravan_mirror_copies_total{outcome=\"failed\"} 3.0",
                "caravan_mirror_copies_total{outcome=\"not_made\"} 0.0"));
    }
}

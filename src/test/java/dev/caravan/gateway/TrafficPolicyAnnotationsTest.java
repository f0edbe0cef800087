package dev.caravan.gateway;

import dev.caravan.testing.FreePorts;
import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Source ranges, hashing and service-upstream, end to end; the test client is 127.0.0.1. */
class TrafficPolicyAnnotationsTest {

    private static final String NGINX = "nginx.ingress.kubernetes.io/";

    @TempDir
    static Path manifests;
    static List<TestBackend> pods;
    static TestBackend clusterIp;
    static TestBackend slowPod;
    static TestBackend securePod;
    static TestBackend badPod;
    static TestBackend errorPages;
    /** A "pod" that accepts connections and never reads from them. */
    static java.net.ServerSocket stuckPod;
    static final List<java.net.Socket> stuckConnections = new java.util.concurrent.CopyOnWriteArrayList<>();
    static CaravanHarness caravan;

    @BeforeAll
    static void start() throws Exception {
        pods = List.of(TestBackend.start("127.0.0.2", "pod-0"), TestBackend.start("127.0.0.3", "pod-1"),
                TestBackend.start("127.0.0.4", "pod-2"));
        clusterIp = TestBackend.start("127.0.0.9", "cluster-ip");
        slowPod = TestBackend.start("127.0.0.10", "slow");
        slowPod.delay(1500);
        securePod = TestBackend.startTls("127.0.0.11", "secure");
        badPod = TestBackend.start("127.0.0.12", "bad");
        errorPages = TestBackend.start("127.0.0.15", "errors");
        errorPages.respond(request -> TestBackend.text(
                io.netty.handler.codec.http.HttpResponseStatus.valueOf(Integer.parseInt(request.headers().get("X-Code"))),
                "page for " + request.headers().get("X-Code") + " " + request.headers().get("X-Original-URI") + " "
                        + request.headers().get("X-Service-Name") + ":" + request.headers().get("X-Service-Port") + " "
                        + request.headers().get("X-Ingress-Name") + " " + request.headers().get("X-Format")));
        stuckPod = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.14"));
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    stuckConnections.add(stuckPod.accept());
                }
            } catch (java.io.IOException closed) {
                // the test is over
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        badPod.respond(request -> TestBackend.text(io.netty.handler.codec.http.HttpResponseStatus.BAD_GATEWAY, "bad"));
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(),
                Manifests.service("svc", pods.toArray(TestBackend[]::new)),
                Manifests.ingress("closed", "closed.example.com", "/", "svc",
                        Map.of(NGINX + "whitelist-source-range", "10.0.0.0/8, 192.168.0.0/16")),
                Manifests.ingress("open", "open.example.com", "/", "svc",
                        Map.of(NGINX + "allowlist-source-range", "10.0.0.0/8,127.0.0.0/8")),
                Manifests.ingress("denied", "denied.example.com", "/", "svc",
                        Map.of(NGINX + "denylist-source-range", "127.0.0.1")),
                Manifests.ingress("hashed", "hashed.example.com", "/", "svc",
                        Map.of(NGINX + "upstream-hash-by", "$arg_user")),
                Manifests.ingress("subsets", "subsets.example.com", "/", "svc", Map.of(NGINX + "upstream-hash-by",
                        "$arg_user", NGINX + "upstream-hash-by-subset", "true", NGINX + "upstream-hash-by-subset-size", "2")),
                """
                apiVersion: v1
                kind: Service
                metadata:
                  name: with-ip
                spec:
                  clusterIP: 127.0.0.9
                  ports:
                    - name: http
                      port: %d
                """.formatted(clusterIp.port()),
                Manifests.slice("with-ip-0", "with-ip", "127.0.0.2", pods.get(0).port(), true),
                Manifests.ingress("via-ip", "viaip.example.com", "/", "with-ip",
                        Map.of(NGINX + "service-upstream", "true")),
                Manifests.ingress("via-pods", "viapods.example.com", "/", "with-ip"),
                Manifests.ingress("cors-any", "corsany.example.com", "/", "svc", Map.of(NGINX + "enable-cors", "true")),
                Manifests.ingress("cors-list", "corslist.example.com", "/", "svc", Map.of(NGINX + "enable-cors", "true",
                        NGINX + "cors-allow-origin", "https://a.example.org, https://*.example.net",
                        NGINX + "cors-allow-credentials", "false", NGINX + "cors-expose-headers", "X-Total",
                        NGINX + "cors-max-age", "600")),
                Manifests.ingress("rps", "rps.example.com", "/", "svc", Map.of(NGINX + "limit-rps", "1")),
                Manifests.ingress("rps-exempt", "exempt.example.com", "/", "svc",
                        Map.of(NGINX + "limit-rps", "1", NGINX + "limit-whitelist", "127.0.0.0/8")),
                Manifests.ingress("conns", "conns.example.com", "/", "slow",
                        Map.of(NGINX + "limit-connections", "1")),
                Manifests.service("slow", slowPod),
                Manifests.service("secure", securePod),
                Manifests.ingress("https-pod", "https.example.com", "/", "secure",
                        Map.of(NGINX + "backend-protocol", "HTTPS")),
                Manifests.ingress("http-to-https-pod", "plain.example.com", "/", "secure"),
                Manifests.ingress("grpc", "grpc.example.com", "/", "svc", Map.of(NGINX + "backend-protocol", "FCGI")),
                Manifests.service("mixed", badPod, pods.get(0)),
                Manifests.ingress("next-502", "next502.example.com", "/", "mixed",
                        Map.of(NGINX + "proxy-next-upstream", "error timeout http_502")),
                Manifests.ingress("plain-502", "plain502.example.com", "/", "mixed"),
                Manifests.ingress("next-then-page", "nextpage.example.com", "/", "mixed",
                        Map.of(NGINX + "proxy-next-upstream", "error timeout http_502", NGINX + "custom-http-errors", "502",
                                NGINX + "default-backend", "errors")),
                Manifests.service("half-dead", pods.get(1)) + "---\n"
                        + Manifests.slice("half-dead-x", "half-dead", "127.0.0.13", FreePorts.next(), true),
                Manifests.ingress("no-retry", "noretry.example.com", "/", "half-dead",
                        Map.of(NGINX + "proxy-next-upstream", "off")),
                Manifests.service("scaled-to-zero") + "---\n"
                        + Manifests.slice("scaled-to-zero-0", "scaled-to-zero", "127.0.0.2", pods.get(0).port(), false),
                Manifests.ingress("with-fallback", "fallback.example.com", "/", "scaled-to-zero",
                        Map.of(NGINX + "default-backend", "with-ip")),
                Manifests.ingress("without-fallback", "nofallback.example.com", "/", "scaled-to-zero"),
                Manifests.service("stable", pods.get(0)),
                Manifests.service("next", pods.get(1)),
                Manifests.ingress("main", "canary.example.com", "/", "stable"),
                Manifests.ingress("main-canary", "canary.example.com", "/", "next", Map.of(NGINX + "canary", "true",
                        NGINX + "canary-by-header", "X-Canary", NGINX + "canary-by-cookie", "canary")),
                Manifests.ingress("weighted", "weighted.example.com", "/", "stable"),
                Manifests.ingress("weighted-canary", "weighted.example.com", "/", "next", Map.of(NGINX + "canary", "true",
                        NGINX + "canary-by-header", "X-Version", NGINX + "canary-by-header-value", "v2",
                        NGINX + "canary-weight", "100")),
                Manifests.service("uneven", pods.get(2), slowPod),
                Manifests.service("errors", errorPages),
                Manifests.ingress("branded", "branded.example.com", "/", "mixed-bad",
                        Map.of(NGINX + "custom-http-errors", "502,503", NGINX + "default-backend", "errors")),
                Manifests.ingress("unbranded", "unbranded.example.com", "/", "mixed-bad",
                        Map.of(NGINX + "custom-http-errors", "502")),
                Manifests.service("mixed-bad", badPod),
                Manifests.service("stuck") + "---\n"
                        + Manifests.slice("stuck-0", "stuck", "127.0.0.14", stuckPod.getLocalPort(), true),
                Manifests.ingress("stuck", "stuck.example.com", "/", "stuck",
                        Map.of(NGINX + "proxy-send-timeout", "1", NGINX + "proxy-body-size", "0")),
                Manifests.ingress("ewma", "ewma.example.com", "/", "uneven", Map.of(NGINX + "load-balance", "ewma")),
                Manifests.ingress("orphan-canary", "orphan.example.com", "/", "next",
                        Map.of(NGINX + "canary", "true", NGINX + "canary-weight", "100"))));
        caravan = CaravanHarness.start(manifests);
    }

    @AfterAll
    static void stop() throws Exception {
        caravan.close();
        for (TestBackend pod : pods) {
            pod.close();
        }
        clusterIp.close();
        slowPod.close();
        securePod.close();
        badPod.close();
        errorPages.close();
        stuckPod.close();
        for (java.net.Socket socket : stuckConnections) {
            socket.close();
        }
    }

    @Test
    void customHttpErrorsAreAnsweredByTheDefaultBackendsPage() throws Exception {
        RawHttp.Response branded = send("GET /cart?id=1 HTTP/1.1\r\nHost: branded.example.com\r\n"
                + "Accept: application/json\r\n\r\n");
        assertThat(branded.status()).isEqualTo(502);
        assertThat(branded.text()).isEqualTo("page for 502 /cart?id=1 mixed-bad:80 branded application/json");
        assertThat(errorPages.last().method()).isEqualTo("GET");
        assertThat(errorPages.last().uri()).isEqualTo("/?id=1");
        RawHttp.Response plain = send("GET / HTTP/1.1\r\nHost: unbranded.example.com\r\n\r\n");
        assertThat(plain.status()).isEqualTo(502);
        assertThat(plain.text()).as("no default backend: Caravan's own short answer").isEqualTo("502 Bad Gateway\n");
    }

    @Test
    void proxySendTimeoutGivesUpOnAPodThatTakesNoBody() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("POST / HTTP/1.1\r\nHost: stuck.example.com\r\nContent-Length: 67108864\r\n\r\n");
            Thread writer = new Thread(() -> {
                byte[] chunk = new byte[65536];
                try {
                    for (int i = 0; i < 1024; i++) {
                        http.output().write(chunk);
                    }
                } catch (java.io.IOException closed) {
                    // Caravan gave up and closed
                }
            });
            writer.setDaemon(true);
            writer.start();
            long started = System.nanoTime();
            assertThat(http.read(false).status()).isEqualTo(504);
            assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(15_000);
        }
    }

    @Test
    void proxyNextUpstreamTriesAnotherPodOnTheListedStatuses() throws Exception {
        for (int i = 0; i < 6; i++) {
            assertThat(caravan.get("next502.example.com", "/").text()).isEqualTo("pod-0");
            // the next pod is tried before an error page is fetched, as nginx's error_page takes the last answer
            assertThat(caravan.get("nextpage.example.com", "/").text()).isEqualTo("pod-0");
        }
        Set<Integer> plain = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            plain.add(caravan.get("plain502.example.com", "/").status());
        }
        assertThat(plain).as("without http_502 the 502 reaches the client").contains(502, 200);
        Set<Integer> posts = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            try (RawHttp http = new RawHttp(caravan.httpPort())) {
                http.send("POST / HTTP/1.1\r\nHost: next502.example.com\r\nContent-Length: 2\r\n\r\nhi");
                posts.add(http.read(false).status());
            }
        }
        assertThat(posts).as("a POST whose body was sent is never sent twice").contains(502);
    }

    @Test
    void defaultBackendAnnotationServesWhenTheRulesServiceHasNoReadyPod() throws Exception {
        assertThat(caravan.get("fallback.example.com", "/").text()).isEqualTo("pod-0");
        assertThat(caravan.get("nofallback.example.com", "/").status()).isEqualTo(503);
    }

    private static String via(String host, String headers) throws Exception {
        return send("GET / HTTP/1.1\r\nHost: " + host + "\r\n" + headers + "\r\n").text();
    }

    @Test
    void canaryByHeaderThenCookieThenWeight() throws Exception {
        assertThat(via("canary.example.com", "")).isEqualTo("pod-0");
        assertThat(via("canary.example.com", "X-Canary: always\r\n")).isEqualTo("pod-1");
        assertThat(via("canary.example.com", "X-Canary: never\r\nCookie: canary=always\r\n")).isEqualTo("pod-0");
        assertThat(via("canary.example.com", "Cookie: canary=always\r\n")).isEqualTo("pod-1");
        assertThat(via("canary.example.com", "X-Canary: maybe\r\nCookie: canary=never\r\n")).isEqualTo("pod-0");
        // weight 100 sends everything else to the canary; a header value other than -value falls through to it
        assertThat(via("weighted.example.com", "")).isEqualTo("pod-1");
        assertThat(via("weighted.example.com", "X-Version: v2\r\n")).isEqualTo("pod-1");
        // a canary with no main Ingress on its host and path is not served
        assertThat(send("GET / HTTP/1.1\r\nHost: orphan.example.com\r\n\r\n").status()).isEqualTo(404);
        assertThat(caravan.caravan().lastCompilation().problems()).anySatisfy(p -> {
            assertThat(p.ingress().name()).isEqualTo("orphan-canary");
            assertThat(p.reason()).isEqualTo("CanaryWithoutMain");
        });
    }

    @Test
    void ewmaSendsLittleToTheSlowPod() throws Exception {
        int slow = 0;
        for (int i = 0; i < 20; i++) {
            slow += caravan.get("ewma.example.com", "/").text().equals("slow") ? 1 : 0;
        }
        // round robin would send it 10; ewma learns from its first answer
        assertThat(slow).isLessThanOrEqualTo(2);
    }

    @Test
    void proxyNextUpstreamOffTriesNoOtherPod() throws Exception {
        Set<Integer> statuses = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            statuses.add(caravan.get("noretry.example.com", "/").status());
        }
        assertThat(statuses).contains(502, 200);
    }

    @Test
    void backendProtocolHttpsSpeaksTlsToThePod() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(caravan.get("https.example.com", "/").text()).isEqualTo("secure");
        }
        assertThat(securePod.last().headers().get("Host")).isEqualTo("https.example.com");
        assertThat(caravan.get("plain.example.com", "/").status()).as("plain HTTP to a TLS pod").isEqualTo(502);
        assertThat(caravan.get("grpc.example.com", "/").status()).as("not served rather than served wrong")
                .isEqualTo(404);
    }

    @Test
    void limitRpsLetsTheBurstThroughThenAnswers503() throws Exception {
        int ok = 0;
        int limited = 0;
        for (int i = 0; i < 10; i++) {
            int status = caravan.get("rps.example.com", "/").status();
            ok += status == 200 ? 1 : 0;
            limited += status == 503 ? 1 : 0;
        }
        // rate 1/s with a burst of 5 (the multiplier): 6 at once, then 503
        assertThat(ok).isBetween(6, 7);
        assertThat(limited).isEqualTo(10 - ok);
        for (int i = 0; i < 10; i++) {
            assertThat(caravan.get("exempt.example.com", "/").status()).as("limit-whitelist").isEqualTo(200);
        }
    }

    @Test
    void limitConnectionsCountsRequestsInFlightPerClient() throws Exception {
        try (RawHttp first = new RawHttp(caravan.httpPort())) {
            first.send("GET / HTTP/1.1\r\nHost: conns.example.com\r\n\r\n");
            Thread.sleep(300);
            assertThat(caravan.get("conns.example.com", "/").status()).isEqualTo(503);
            assertThat(first.read(false).status()).isEqualTo(200);
        }
        // the slot is released when the request ends, which races with the client reading its response
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(caravan.get("conns.example.com", "/")
                .status()).as("the slot is free again").isEqualTo(200));
    }

    @Test
    void sourceRangesAllowAndDenyByClientAddress() throws Exception {
        assertThat(caravan.get("closed.example.com", "/").status()).isEqualTo(403);
        assertThat(caravan.get("open.example.com", "/").status()).isEqualTo(200);
        assertThat(caravan.get("denied.example.com", "/").status()).isEqualTo(403);
    }

    @Test
    void upstreamHashByKeepsAKeyOnOnePodAndSpreadsKeys() throws Exception {
        Set<String> podsSeen = new HashSet<>();
        for (int user = 0; user < 20; user++) {
            String first = caravan.get("hashed.example.com", "/?user=u" + user).text();
            for (int i = 0; i < 3; i++) {
                assertThat(caravan.get("hashed.example.com", "/x?user=u" + user).text()).isEqualTo(first);
            }
            podsSeen.add(first);
        }
        assertThat(podsSeen).hasSizeGreaterThan(1);
    }

    @Test
    void upstreamHashBySubsetKeepsAKeyWithinOneSubsetOfPods() throws Exception {
        // three pods in address order, in subsets of two: {pod-0, pod-1} and {pod-2, pod-0}, the last filled up
        Set<Set<String>> subsets = Set.of(Set.of("pod-0", "pod-1"), Set.of("pod-2", "pod-0"));
        Set<Set<String>> seen = new HashSet<>();
        for (int user = 0; user < 12; user++) {
            Set<String> servedUser = new HashSet<>();
            for (int i = 0; i < 16; i++) {
                servedUser.add(caravan.get("subsets.example.com", "/?user=u" + user).text());
            }
            assertThat(subsets).as("user " + user + " served by " + servedUser)
                    .anySatisfy(subset -> assertThat(subset).containsAll(servedUser));
            seen.add(servedUser);
        }
        // a key spreads over its subset, and the keys over both subsets
        assertThat(seen).anySatisfy(served -> assertThat(served).hasSize(2));
        assertThat(seen.stream().flatMap(Set::stream).distinct()).containsExactlyInAnyOrder("pod-0", "pod-1", "pod-2");
    }

    private static RawHttp.Response send(String request) throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send(request);
            return http.read(false);
        }
    }

    @Test
    void corsWithAnyOriginAnswersPreflightsAndDecoratesResponses() throws Exception {
        int before = pods.stream().mapToInt(p -> p.seen().size()).sum();
        RawHttp.Response preflight = send("OPTIONS /api HTTP/1.1\r\nHost: corsany.example.com\r\n"
                + "Origin: https://app.example.org\r\nAccess-Control-Request-Method: PUT\r\n\r\n");
        assertThat(preflight.status()).isEqualTo(204);
        assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo("*");
        assertThat(preflight.header("Access-Control-Allow-Credentials")).isEqualTo("true");
        assertThat(preflight.header("Access-Control-Allow-Methods")).isEqualTo("GET, PUT, POST, DELETE, PATCH, OPTIONS");
        assertThat(preflight.header("Access-Control-Allow-Headers")).contains("Authorization", "Content-Type");
        assertThat(preflight.header("Access-Control-Max-Age")).isEqualTo("1728000");
        assertThat(pods.stream().mapToInt(p -> p.seen().size()).sum()).as("the pods never saw the preflight")
                .isEqualTo(before);

        RawHttp.Response get = send("GET /api HTTP/1.1\r\nHost: corsany.example.com\r\n"
                + "Origin: https://app.example.org\r\n\r\n");
        assertThat(get.status()).isEqualTo(200);
        assertThat(get.header("Access-Control-Allow-Origin")).isEqualTo("*");
    }

    @Test
    void corsWithAnOriginListEchoesOnlyAllowedOrigins() throws Exception {
        RawHttp.Response exact = send("GET / HTTP/1.1\r\nHost: corslist.example.com\r\n"
                + "Origin: https://a.example.org\r\n\r\n");
        assertThat(exact.header("Access-Control-Allow-Origin")).isEqualTo("https://a.example.org");
        assertThat(exact.header("Access-Control-Allow-Credentials")).isNull();
        assertThat(exact.header("Access-Control-Expose-Headers")).isEqualTo("X-Total");
        assertThat(exact.header("Access-Control-Max-Age")).isEqualTo("600");
        assertThat(exact.headers("Vary")).contains("origin");
        RawHttp.Response wildcard = send("GET / HTTP/1.1\r\nHost: corslist.example.com\r\n"
                + "Origin: https://shop.example.net\r\n\r\n");
        assertThat(wildcard.header("Access-Control-Allow-Origin")).isEqualTo("https://shop.example.net");
        RawHttp.Response other = send("GET / HTTP/1.1\r\nHost: corslist.example.com\r\n"
                + "Origin: https://evil.example.com\r\n\r\n");
        assertThat(other.status()).isEqualTo(200);
        assertThat(other.header("Access-Control-Allow-Origin")).isNull();
        RawHttp.Response otherPreflight = send("OPTIONS / HTTP/1.1\r\nHost: corslist.example.com\r\n"
                + "Origin: https://evil.example.com\r\n\r\n");
        assertThat(otherPreflight.status()).as("not a preflight we answer: it goes to the pod").isEqualTo(200);
    }

    @Test
    void serviceUpstreamSendsToTheClusterIpInsteadOfThePods() throws Exception {
        assertThat(caravan.get("viaip.example.com", "/").text()).isEqualTo("cluster-ip");
        assertThat(caravan.get("viapods.example.com", "/").text()).isEqualTo("pod-0");
    }
}

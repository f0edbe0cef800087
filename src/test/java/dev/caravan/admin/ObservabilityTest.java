package dev.caravan.admin;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import dev.caravan.testing.TestCertificates;
import dev.caravan.testing.TlsClient;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.channel.epoll.Epoll;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Known traffic in, then /metrics scraped and the access log read back: counts, labels and fields. */
class ObservabilityTest {

    private static final String NGINX = "nginx.ingress.kubernetes.io/";

    @TempDir
    static Path manifests;
    static TestBackend pod;
    static TestBackend slowPod;
    static CaravanHarness caravan;
    static final List<String> accessLines = new CopyOnWriteArrayList<>();
    static AbstractAppender capture;
    static TestCertificates.Issued certificate = new TestCertificates().issue("shop.example.test");

    @BeforeAll
    static void start() throws Exception {
        pod = TestBackend.start("127.0.0.2", "pod");
        pod.respond(request -> TestBackend.text(HttpResponseStatus.OK, "x".repeat(2000)));
        slowPod = TestBackend.start("127.0.0.3", "slow");
        slowPod.delay(3000);
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                Manifests.service("empty"), certificate.secret("shop-tls"),
                Manifests.tlsIngress("shop", "shop.example.test", "/cart", "svc", "shop.example.test", "shop-tls"),
                Manifests.ingress("down", "down.example.test", "/", "empty"),
                Manifests.ingress("quiet", "quiet.example.test", "/", "svc", Map.of(NGINX + "enable-access-log", "false")),
                Manifests.service("slow-svc", slowPod), Manifests.ingress("slow", "slow.example.test", "/", "slow-svc"),
                Manifests.ingress("rooted", "rooted.example.test", "/", "svc", Map.of(NGINX + "app-root", "/app"))));
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        capture = new AbstractAppender("capture", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                // the requests of one event-loop pass come as one event, a line each
                accessLines.addAll(List.of(event.getMessage().getFormattedMessage().split("\n")));
            }
        };
        capture.start();
        LoggerConfig access = context.getConfiguration().getLoggerConfig(AccessLog.LOGGER);
        assertThat(access.getName()).isEqualTo(AccessLog.LOGGER);
        access.addAppender(capture, null, null);
        context.updateLoggers();
        caravan = CaravanHarness.start(manifests, "--https-redirect-port", "443");
    }

    @AfterAll
    static void stop() throws Exception {
        caravan.close();
        pod.close();
        slowPod.close();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getLoggerConfig(AccessLog.LOGGER).removeAppender("capture");
        context.updateLoggers();
    }

    @Test
    void requestMetricsCarryIngressNginxNamesAndRuleLabels() throws Exception {
        for (int i = 0; i < 3; i++) {
            try (RawHttp https = TlsClient.http(caravan.httpsPort(), "shop.example.test", TlsClient.trustAll())) {
                https.send("GET /cart/" + i + "?q=" + i + " HTTP/1.1\r\nHost: shop.example.test\r\n\r\n");
                assertThat(https.read(false).status()).isEqualTo(200);
            }
        }
        try (RawHttp https = TlsClient.http(caravan.httpsPort(), "shop.example.test", TlsClient.trustAll())) {
            https.send("POST /cart HTTP/1.1\r\nHost: shop.example.test\r\nContent-Length: 5000\r\n\r\n" + "y".repeat(5000));
            assertThat(https.read(false).status()).isEqualTo(200);
        }
        assertThat(caravan.get("down.example.test", "/").status()).isEqualTo(503);
        assertThat(caravan.get("nobody.example.test", "/").status()).isEqualTo(404);

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            String metrics = scrape();
            String shop = "ingress=\"shop\",method=\"GET\",namespace=\"default\",path=\"/cart\",service=\"svc\",status=\"200\"";
            assertThat(CaravanHarness.metric(metrics, "nginx_ingress_controller_requests", shop)).isEqualTo(3.0);
            assertThat(CaravanHarness.metric(metrics, "nginx_ingress_controller_request_duration_seconds_count", shop)).isEqualTo(3.0);
            assertThat(CaravanHarness.metric(metrics, "nginx_ingress_controller_response_duration_seconds_count", shop)).isEqualTo(3.0);
            // the pod's 2000-byte body, and its head
            assertThat(CaravanHarness.metric(metrics, "nginx_ingress_controller_response_size_sum", shop)).isGreaterThan(3 * 2000.0);
            String post = "ingress=\"shop\",method=\"POST\",namespace=\"default\",path=\"/cart\",service=\"svc\",status=\"200\"";
            assertThat(CaravanHarness.metric(metrics, "nginx_ingress_controller_request_size_sum", post)).isGreaterThan(5000.0);
            assertThat(CaravanHarness.metric(metrics, "nginx_ingress_controller_requests", "ingress=\"down\",method=\"GET\","
                    + "namespace=\"default\",path=\"/\",service=\"empty\",status=\"503\"")).isEqualTo(1.0);
            assertThat(CaravanHarness.metric(metrics, "nginx_ingress_controller_requests", "ingress=\"\",method=\"GET\","
                    + "namespace=\"\",path=\"\",service=\"\",status=\"404\"")).isGreaterThanOrEqualTo(1.0);
            // the host that served it, as ingress-nginx's --metrics-per-host; none for what no host served
            assertThat(CaravanHarness.metric(metrics, "nginx_ingress_controller_requests", "host=\"shop.example.test\",ingress=\"shop\","
                    + "method=\"GET\"")).isEqualTo(3.0);
            assertThat(CaravanHarness.metric(metrics, "nginx_ingress_controller_requests", "host=\"\",ingress=\"\",method=\"GET\","
                    + "namespace=\"\",path=\"\",service=\"\",status=\"404\"")).isGreaterThanOrEqualTo(1.0);
            // the request's own path is never a label
            assertThat(metrics).doesNotContain("/cart/1").doesNotContain("q=1");
            assertThat(metrics).contains("controller_class=\"caravan.dev/ingress-controller\"");
        });
    }

    @Test
    void controllerMetricsDescribeTheTableAndCertificates() throws Exception {
        String metrics = scrape();
        assertThat(CaravanHarness.metric(metrics, "caravan_routing_table_hosts", null)).isEqualTo(5.0);
        assertThat(CaravanHarness.metric(metrics, "caravan_source_synced", null)).isEqualTo(1.0);
        assertThat(CaravanHarness.metric(metrics, "caravan_ingresses_claimed", null)).isEqualTo(5.0);
        assertThat(CaravanHarness.metric(metrics, "caravan_compiles_total", null)).isGreaterThanOrEqualTo(1.0);
        assertThat(CaravanHarness.metric(metrics, "nginx_ingress_controller_ssl_expire_time_seconds",
                "class=\"caravan.dev/ingress-controller\",host=\"shop.example.test\",namespace=\"default\","
                        + "secret_name=\"shop-tls\"")).isEqualTo((double) certificate.certificate().getNotAfter()
                .toInstant().getEpochSecond());
        assertThat(metrics).contains("jvm_memory_used_bytes");
    }

    @Test
    void anAnswerBeforeAnyPolicyStillNamesTheIngressWhoseRuleMatched() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("GET / HTTP/1.1\r\nHost: rooted.example.test\r\nX-Request-ID: rooted-1\r\n\r\n");
            assertThat(http.read(false).status()).isEqualTo(302);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> accessLines.stream().anyMatch(l -> l.contains("rooted-1")));
        JsonNode line = new ObjectMapper().readTree(accessLines.stream().filter(l -> l.contains("rooted-1"))
                .findFirst().orElseThrow());
        assertThat(line.get("status").asInt()).isEqualTo(302);
        assertThat(line.get("ingress").asText()).isEqualTo("rooted");
    }

    @Test
    void everyRequestIsOneJsonLineUnlessItsIngressOptsOut() throws Exception {
        caravan.get("quiet.example.test", "/hidden");
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("GET /cart/a?x=%22 HTTP/1.1\r\nHost: Shop.Example.test:80\r\nUser-Agent: probe \"1\"\r\n"
                    + "X-Request-ID: req-42\r\n\r\n");
            // shop has TLS: plain HTTP is redirected
            assertThat(http.read(false).status()).isEqualTo(308);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> accessLines.stream().anyMatch(l -> l.contains("req-42")));
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : accessLines) {
            lines.add(json.readTree(line));
        }
        JsonNode redirect = lines.stream().filter(l -> "req-42".equals(l.path("request_id").asText(null)))
                .findFirst().orElseThrow();
        // a redirect answered locally keeps the client's request id and names the rule
        assertThat(redirect.get("status").asInt()).isEqualTo(308);
        assertThat(redirect.get("method").asText()).isEqualTo("GET");
        assertThat(redirect.get("uri").asText()).isEqualTo("/cart/a?x=%22");
        // as nginx's $host: lower case, without the port
        assertThat(redirect.get("host").asText()).isEqualTo("shop.example.test");
        assertThat(redirect.get("protocol").asText()).isEqualTo("HTTP/1.1");
        assertThat(redirect.get("scheme").asText()).isEqualTo("http");
        assertThat(redirect.get("ingress").asText()).isEqualTo("shop");
        assertThat(redirect.get("namespace").asText()).isEqualTo("default");
        assertThat(redirect.get("user_agent").asText()).isEqualTo("probe \"1\"");
        assertThat(redirect.get("upstream_addr").isNull()).isTrue();
        // one schema for every line: a local answer has the upstream keys too, null
        assertThat(redirect.get("upstream_status").isNull()).isTrue();
        assertThat(redirect.get("upstream_duration").isNull()).isTrue();
        assertThat(redirect.get("upstream_attempts").isNull()).isTrue();
        assertThat(redirect.get("client").asText()).isEqualTo("127.0.0.1");

        long sentToClient;
        try (RawHttp https = TlsClient.http(caravan.httpsPort(), "shop.example.test", TlsClient.trustAll())) {
            https.send("GET /cart/proxied HTTP/1.1\r\nHost: shop.example.test\r\n\r\n");
            RawHttp.Response response = https.read(false);
            assertThat(response.header("Content-Length")).isNotNull();
            sentToClient = response.statusLine().length() + 2 + response.headers().stream()
                    .mapToLong(h -> h.getKey().length() + 2 + h.getValue().length() + 2).sum() + 2 + response.body().length;
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> accessLines.stream().anyMatch(l -> l.contains("/cart/proxied")));
        String proxiedLine = accessLines.stream().filter(l -> l.contains("/cart/proxied")).findFirst().orElseThrow();
        JsonNode proxied = json.readTree(proxiedLine);
        assertThat(Duration.between(Instant.parse(proxied.get("time").asText()), Instant.now()).abs())
                .isLessThan(Duration.ofMinutes(1));
        // seconds with milliseconds, as nginx's $request_time
        assertThat(proxiedLine).containsPattern("\"duration\":\\d+\\.\\d{3},")
                .containsPattern("\"upstream_duration\":\\d+\\.\\d{3},");
        assertThat(proxied.get("status").asInt()).isEqualTo(200);
        assertThat(proxied.get("scheme").asText()).isEqualTo("https");
        assertThat(proxied.get("service").asText()).isEqualTo("svc");
        assertThat(proxied.get("upstream_addr").asText()).isEqualTo(pod.ip() + ":" + pod.port());
        assertThat(proxied.get("upstream_status").asInt()).isEqualTo(200);
        // nginx's $bytes_sent: the whole response as written, status line and headers included
        assertThat(proxied.get("bytes_sent").asLong()).isEqualTo(sentToClient);
        assertThat(proxied.get("duration").asDouble()).isGreaterThanOrEqualTo(proxied.get("upstream_duration").asDouble());
        assertThat(proxied.get("request_id").asText()).hasSize(32);

        assertThat(accessLines).noneMatch(line -> line.contains("quiet.example.test"));
    }

    @Test
    void aClientGoneBeforeTheResponseIsLoggedAs499AsNginxDoes() throws Exception {
        // epoll sees the client's FIN at once; the JDK's selector only when the response is written
        assumeTrue(Epoll.isAvailable());
        try (Socket client = new Socket("127.0.0.1", caravan.httpPort())) {
            client.getOutputStream().write(("GET /gone HTTP/1.1\r\nHost: slow.example.test\r\nX-Request-ID: gone-1\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            await().atMost(Duration.ofSeconds(5)).until(() -> slowPod.seen().size() == 1);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> accessLines.stream().anyMatch(l -> l.contains("gone-1")));
        JsonNode gone = new ObjectMapper().readTree(accessLines.stream().filter(l -> l.contains("gone-1")).findFirst()
                .orElseThrow());
        assertThat(gone.get("status").asInt()).isEqualTo(499);
        assertThat(gone.get("ingress").asText()).isEqualTo("slow");
        assertThat(gone.get("upstream_addr").asText()).isEqualTo(slowPod.ip() + ":" + slowPod.port());
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(CaravanHarness.metric(scrape(),
                "nginx_ingress_controller_requests", "ingress=\"slow\",method=\"GET\",namespace=\"default\",path=\"/\","
                        + "service=\"slow-svc\",status=\"499\"")).isEqualTo(1.0));
    }

    @Test
    void aRequestLineThatCannotBeReadIsLoggedAsNone() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("\u0001\u0002 probe-77 \r\nHost: x\r\n\r\n");
            assertThat(http.read(false).status()).isEqualTo(400);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> accessLines.stream().anyMatch(l -> l.contains("\"status\":400")
                && l.contains("\"method\":null")));
        // never the decoder's stand-in, GET /bad-request, which nobody sent
        assertThat(accessLines).noneMatch(line -> line.contains("/bad-request"));
    }

    @Test
    void aClientsUtf8IsLoggedAsTheTextItIs() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send(("GET /caf\u00c3\u00a9-88 HTTP/1.1\r\nHost: down.example.test\r\nUser-Agent: agent-88 \u00c3\u00bc\r\n\r\n"));
            assertThat(http.read(false).status()).isEqualTo(503);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> accessLines.stream().anyMatch(l -> l.contains("agent-88")));
        JsonNode line = new ObjectMapper().readTree(accessLines.stream().filter(l -> l.contains("agent-88")).findFirst()
                .orElseThrow());
        // the bytes c3 bc sent are one character, not two
        assertThat(line.get("user_agent").asText()).isEqualTo("agent-88 \u00fc");
        assertThat(line.get("uri").asText()).isEqualTo("/caf\u00e9-88");
    }

    @Test
    void healthChecksWithoutHostAreAnswered() throws Exception {
        // HAProxy's default check: HTTP/1.0, no Host
        for (String path : new String[] {"/readyz", "/healthz"}) {
            try (RawHttp http = new RawHttp(caravan.adminPort())) {
                http.send("GET " + path + " HTTP/1.0\r\n\r\n");
                assertThat(http.read(false).status()).as(path).isEqualTo(200);
            }
        }
    }

    private static String scrape() throws Exception {
        RawHttp.Response response = RawHttp.get(caravan.adminPort(), "localhost", "/metrics");
        assertThat(response.status()).isEqualTo(200);
        return response.text();
    }
}

package dev.caravan.admin;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.RawHttp2;
import dev.caravan.testing.TestBackend;
import dev.caravan.testing.TestCertificates;
import dev.caravan.testing.TlsClient;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --log-format-upstream: the access log's lines as ingress-nginx's ConfigMap key writes them. */
class LogFormatTest {

    /** ingress-nginx's default log-format-upstream. */
    private static final String UPSTREAMINFO = "$remote_addr - $remote_user [$time_local] \"$request\" $status"
            + " $body_bytes_sent \"$http_referer\" \"$http_user_agent\" $request_length $request_time"
            + " [$proxy_upstream_name] [$proxy_alternative_upstream_name] $upstream_addr $upstream_response_length"
            + " $upstream_response_time $upstream_status $req_id";

    @TempDir
    Path manifests;
    TestBackend pod;
    CaravanHarness caravan;
    final List<String> lines = new CopyOnWriteArrayList<>();
    AbstractAppender capture;

    @BeforeEach
    void start() throws Exception {
        pod = TestBackend.start("127.0.0.2", "pod");
        pod.respond(request -> TestBackend.text(HttpResponseStatus.OK, "x".repeat(1234)));
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                Manifests.ingress("web", "web.test", "/", "svc"), new TestCertificates().issue("tls.test").secret("tls-cert"),
                Manifests.ingress("api", "api.test", "/api(/|$)(.*)", "svc", java.util.Map.of(
                        "nginx.ingress.kubernetes.io/use-regex", "true",
                        "nginx.ingress.kubernetes.io/rewrite-target", "/$2")),
                Manifests.tlsIngress("tls", "tls.test", "/", "svc", "tls.test", "tls-cert")));
        capture = new AbstractAppender("log-format-capture", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                lines.addAll(List.of(event.getMessage().getFormattedMessage().split("\n")));
            }
        };
        capture.start();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getLoggerConfig(AccessLog.LOGGER).addAppender(capture, null, null);
        context.updateLoggers();
    }

    @AfterEach
    void stop() throws Exception {
        if (caravan != null) {
            caravan.close();
        }
        pod.close();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getLoggerConfig(AccessLog.LOGGER).removeAppender("log-format-capture");
        context.updateLoggers();
    }

    private String lineWith(String text) {
        await().atMost(Duration.ofSeconds(5)).until(() -> lines.stream().anyMatch(line -> line.contains(text)));
        return lines.stream().filter(line -> line.contains(text)).findFirst().orElseThrow();
    }

    @Test
    void ingressNginxsDefaultFormatIsWrittenAsIngressNginxWritesIt() throws Exception {
        caravan = CaravanHarness.start(manifests, "--log-format-upstream", UPSTREAMINFO);
        String user = Base64.getEncoder().encodeToString("ann:secret".getBytes(StandardCharsets.UTF_8));
        try (RawHttp client = new RawHttp(caravan.httpPort())) {
            client.send("GET /a?b=1 HTTP/1.1\r\nHost: web.test\r\nAuthorization: Basic " + user + "\r\n"
                    + "Referer: https://from.test/\r\nUser-Agent: probe \"1\"\r\nX-Request-ID: id-1\r\n\r\n");
            assertThat(client.read(false).status()).isEqualTo(200);
            client.send("GET /none HTTP/1.1\r\nHost: nowhere.test\r\nX-Request-ID: id-2\r\n\r\n");
            assertThat(client.read(false).status()).isEqualTo(404);
        }
        String proxied = lineWith("id-1");
        assertThat(proxied).matches(Pattern.quote("127.0.0.1 - ann [") + "\\d\\d/\\w{3}/\\d{4}:\\d\\d:\\d\\d:\\d\\d \\+0000"
                + Pattern.quote("] \"GET /a?b=1 HTTP/1.1\" 200 1234 \"https://from.test/\" \"probe \\x221\\x22\" ")
                + "\\d+ \\d+\\.\\d{3}" + Pattern.quote(" [default-svc-80] [] " + pod.ip() + ":"
                        + pod.port() + " 1234 ") + "\\d+\\.\\d{3}" + Pattern.quote(" 200 id-1"));
        String local = lineWith("id-2");
        // nothing served it: no upstream, nginx's "-" for every value that is not there, and nothing for one that is
        // there but empty (ingress-nginx sets $proxy_alternative_upstream_name empty on every location)
        assertThat(local).matches(".*\"GET /none HTTP/1.1\" 404 \\d+ \"-\" \"-\" \\d+ \\d+\\.\\d{3}"
                + Pattern.quote(" [upstream-default-backend] [] - - - - id-2"));
    }

    @Test
    void aJsonTemplateGetsJsonEscapedValues() throws Exception {
        caravan = CaravanHarness.start(manifests, "--log-format-escape-json", "--log-format-upstream",
                "{\"time\": \"$time_iso8601\", \"client\": \"$remote_addr\", \"ua\": \"$http_user_agent\","
                        + " \"status\": $status, \"upstream\": \"$upstream_addr\", \"ingress\": \"$namespace/$ingress_name\","
                        + " \"service\": \"$service_name:$service_port\", \"path\": \"$location_path\", \"custom\": \"$http_x_custom\"}");
        try (RawHttp client = new RawHttp(caravan.httpPort())) {
            client.send("GET /j HTTP/1.1\r\nHost: web.test\r\nUser-Agent: q\"\\ \r\nX-Custom: one\r\nX-Custom: two\r\n\r\n");
            assertThat(client.read(false).status()).isEqualTo(200);
        }
        JsonNode line = new ObjectMapper().readTree(lineWith("\"custom\""));
        assertThat(line.get("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\+00:00");
        assertThat(line.get("client").asText()).isEqualTo("127.0.0.1");
        assertThat(line.get("ua").asText()).isEqualTo("q\"\\");
        assertThat(line.get("status").asInt()).isEqualTo(200);
        assertThat(line.get("upstream").asText()).isEqualTo(pod.ip() + ":" + pod.port());
        assertThat(line.get("ingress").asText()).isEqualTo("default/web");
        assertThat(line.get("service").asText()).isEqualTo("svc:80");
        assertThat(line.get("path").asText()).isEqualTo("/");
        // every line of a header, as nginx joins them
        assertThat(line.get("custom").asText()).isEqualTo("one, two");
    }

    @Test
    void unescapedValuesStillCannotStartALineOfTheirOwn() throws Exception {
        caravan = CaravanHarness.start(manifests, "--log-format-escape-none", "--log-format-escape-json",
                "--log-format-upstream", "user=$remote_user ua=$http_user_agent args=[$is_args$args] uri=$uri"
                        + " ns=$namespace id=$request_id");
        // the user of a Basic Authorization is decoded from base64: it may hold any byte
        String user = Base64.getEncoder().encodeToString("j\u00fcrgen\nforged line:pw".getBytes(StandardCharsets.UTF_8));
        try (RawHttp client = new RawHttp(caravan.httpPort())) {
            client.send("GET /a//b/../c HTTP/1.1\r\nHost: web.test\r\nAuthorization: Basic " + user
                    + "\r\nUser-Agent: q\"\\\r\nX-Request-ID: client-id\r\n\r\n");
            assertThat(client.read(false).status()).isEqualTo(200);
        }
        // none wins over json, as in ingress-nginx's template; $uri is the path as rules match it; $args not there
        // is "-" and $is_args, there but empty, nothing
        String line = lineWith("user=");
        assertThat(line).matches("user=j\u00fcrgen\\\\x0Aforged line ua=q\"\\\\ args=\\[-\\] uri=/a/c ns=default id=[0-9a-f]{32}");
        assertThat(lines).noneMatch(logged -> logged.startsWith("forged"));
        // nginx's $request_id is the request's own, not the client's X-Request-ID
        assertThat(line).doesNotContain("client-id");
    }

    @Test
    void theVariablesOfIngressNginxUsersTemplatesAreFilledIn() throws Exception {
        // TLS 1.2, whose suites OpenSSL names otherwise than IANA
        caravan = CaravanHarness.start(manifests, "--ssl-protocols", "TLSv1.2", "--log-format-escape-json",
                "--log-format-upstream",
                "{\"chain\": \"$proxy_add_x_forwarded_for\", \"real\": \"$the_real_ip\", \"server\":"
                        + " \"$server_name:$server_port\", \"host\": \"$hostname\", \"sid\": \"$cookie_SID\","
                        + " \"page\": \"$arg_page\", \"sent\": \"$sent_http_content_type\", \"type\": \"$content_type\","
                        + " \"tls\": \"$ssl_protocol\", \"cipher\": \"$ssl_cipher\", \"ua\": \"$http_user_agent\","
                        + " \"uri\": \"$uri\", \"cache\": \"$upstream_cache_status\"}");
        // a client's UTF-8, as bytes on the wire: one char per byte in what Netty reads
        byte[] request = ("GET /caf%C3%A9?page=2 HTTP/1.1\r\nHost: web.test\r\nX-Forwarded-For: 192.0.2.1\r\n"
                + "Cookie: a=1; Sid=xyz\r\nContent-Type: text/plain\r\nUser-Agent: ").getBytes(StandardCharsets.ISO_8859_1);
        try (RawHttp client = new RawHttp(caravan.httpPort())) {
            client.send(concat(request, "agent \u00fc\r\n\r\n".getBytes(StandardCharsets.UTF_8)));
            assertThat(client.read(false).status()).isEqualTo(200);
        }
        JsonNode line = new ObjectMapper().readTree(lineWith("\"chain\""));
        assertThat(line.get("chain").asText()).isEqualTo("192.0.2.1, 127.0.0.1");
        assertThat(line.get("real").asText()).isEqualTo("127.0.0.1");
        assertThat(line.get("server").asText()).isEqualTo("web.test:" + caravan.httpPort());
        assertThat(line.get("host").asText()).isNotEmpty();
        assertThat(line.get("sid").asText()).isEqualTo("xyz");
        assertThat(line.get("page").asText()).isEqualTo("2");
        assertThat(line.get("sent").asText()).startsWith("text/plain");
        assertThat(line.get("type").asText()).isEqualTo("text/plain");
        // not there: empty under JSON, as nginx writes it
        assertThat(line.get("tls").asText()).isEmpty();
        // the client's UTF-8 as the text it is, not each byte as a char
        assertThat(line.get("ua").asText()).isEqualTo("agent \u00fc");
        assertThat(line.get("uri").asText()).isEqualTo("/caf\u00e9");
        // after rewrite-target, as nginx's $uri after its rewrite: the path the pod was asked for
        try (RawHttp client = new RawHttp(caravan.httpPort())) {
            client.send("GET /api/v1/users?x=1 HTTP/1.1\r\nHost: api.test\r\n\r\n");
            assertThat(client.read(false).status()).isEqualTo(200);
        }
        assertThat(pod.last().uri()).isEqualTo("/v1/users?x=1");
        assertThat(new ObjectMapper().readTree(lineWith("/v1/users")).get("uri").asText()).isEqualTo("/v1/users");
        // nothing cached: not there
        assertThat(line.get("cache").asText()).isEmpty();

        try (RawHttp https = TlsClient.http(caravan.httpsPort(), "tls.test", TlsClient.trustAll())) {
            https.send("GET /secure HTTP/1.1\r\nHost: tls.test\r\n\r\n");
            assertThat(https.read(false).status()).isEqualTo(200);
        }
        JsonNode secure = new ObjectMapper().readTree(lineWith("/secure"));
        assertThat(secure.get("tls").asText()).isEqualTo("TLSv1.2");
        // OpenSSL's name, as nginx's $ssl_cipher
        assertThat(secure.get("cipher").asText()).matches("ECDHE-(ECDSA|RSA)-[A-Z0-9-]+");
    }

    @Test
    void everyPodTriedIsListedAsNginxListsThem() throws Exception {
        int deadPort = dev.caravan.testing.FreePorts.next();
        write(manifests, "retry.yaml", String.join("---\n", Manifests.service("retry"),
                Manifests.slice("retry-dead", "retry", "127.0.0.9", deadPort, true),
                Manifests.slice("retry-live", "retry", pod.ip(), pod.port(), true),
                Manifests.ingress("retry", "retry.test", "/", "retry"), Manifests.service("gone"),
                Manifests.slice("gone-dead", "gone", "127.0.0.9", deadPort, true),
                Manifests.ingress("gone", "gone.test", "/", "gone")));
        caravan = CaravanHarness.start(manifests, "--log-format-upstream",
                "tries=$upstream_addr|$upstream_status|$upstream_response_time|$upstream_connect_time"
                        + "|$upstream_header_time $request_uri");
        for (int i = 0; i < 4; i++) {
            try (RawHttp client = new RawHttp(caravan.httpPort())) {
                client.send("GET /try-" + i + " HTTP/1.1\r\nHost: retry.test\r\n\r\n");
                assertThat(client.read(false).status()).isEqualTo(200);
            }
        }
        // round robin sends one of them to the dead pod first: refused, it is tried on the live one, as nginx's
        // proxy_next_upstream error, and the line names both, the failed one with 502
        String retried = lineWith("127.0.0.9:" + deadPort + ", ");
        assertThat(retried).matches(Pattern.quote("tries=127.0.0.9:" + deadPort + ", " + pod.ip() + ":" + pod.port()
                + "|502, 200|") + "\\d+\\.\\d{3}, \\d+\\.\\d{3}\\|-, \\d+\\.\\d{3}\\|-, \\d+\\.\\d{3} /try-\\d");
        // the last try got no answer: the status it was answered for, as nginx writes it
        try (RawHttp client = new RawHttp(caravan.httpPort())) {
            client.send("GET /nobody HTTP/1.1\r\nHost: gone.test\r\n\r\n");
            assertThat(client.read(false).status()).isEqualTo(502);
        }
        assertThat(lineWith("/nobody")).startsWith("tries=127.0.0.9:" + deadPort + "|502|");
    }

    @Test
    void connectionsTheirRequestsAndThePodsHeadersAreLoggedAsNginxLogsThem() throws Exception {
        pod.respond(request -> {
            var response = TestBackend.text(HttpResponseStatus.OK, "ok");
            response.headers().set("X-Pod-Version", "v7");
            return response;
        });
        write(manifests, "catch-all.yaml", Manifests.ingress("any", "", "/any", "svc"));
        caravan = CaravanHarness.start(manifests, "--log-format-escape-json", "--log-format-upstream",
                "{\"uri\": \"$request_uri\", \"conn\": \"$connection\", \"n\": \"$connection_requests\","
                        + " \"header\": \"$upstream_header_time\", \"total\": \"$upstream_response_time\","
                        + " \"version\": \"$upstream_http_x_pod_version\", \"none\": \"$upstream_http_x_none\","
                        + " \"server\": \"$server_name\", \"pid\": \"$pid\"}");
        try (RawHttp first = new RawHttp(caravan.httpPort()); RawHttp second = new RawHttp(caravan.httpPort())) {
            for (String path : new String[] {"/c1-a", "/c1-b"}) {
                first.send("GET " + path + " HTTP/1.1\r\nHost: WEB.test:" + caravan.httpPort() + "\r\n\r\n");
                assertThat(first.read(false).status()).isEqualTo(200);
            }
            second.send("GET /any/c2 HTTP/1.1\r\nHost: whatever.test\r\n\r\n");
            assertThat(second.read(false).status()).isEqualTo(200);
        }
        ObjectMapper json = new ObjectMapper();
        JsonNode a = json.readTree(lineWith("/c1-a"));
        JsonNode b = json.readTree(lineWith("/c1-b"));
        JsonNode other = json.readTree(lineWith("/any/c2"));
        // one serial number per connection, and its requests counted from 1
        assertThat(b.get("conn").asText()).isEqualTo(a.get("conn").asText()).matches("[1-9]\\d*");
        assertThat(other.get("conn").asText()).isNotEqualTo(a.get("conn").asText()).matches("[1-9]\\d*");
        assertThat(List.of(a.get("n").asText(), b.get("n").asText(), other.get("n").asText()))
                .containsExactly("1", "2", "1");
        // the time to the pod's head, within the time to its end
        assertThat(a.get("header").asText()).matches("\\d+\\.\\d{3}");
        assertThat(Double.parseDouble(a.get("header").asText())).isLessThanOrEqualTo(
                Double.parseDouble(a.get("total").asText()));
        assertThat(a.get("version").asText()).isEqualTo("v7");
        assertThat(a.get("none").asText()).isEmpty();
        // the server's name, without the port the Host carried, and nginx's "_" for a rule without a host
        assertThat(a.get("server").asText()).isEqualTo("web.test");
        assertThat(other.get("server").asText()).isEqualTo("_");
        assertThat(a.get("pid").asText()).isEqualTo(Long.toString(ProcessHandle.current().pid()));

        // HTTP/2: the streams of one connection are its requests, as nginx counts them
        try (RawHttp2 h2 = RawHttp2.connect(caravan.httpsPort(), "tls.test")) {
            for (int stream : new int[] {1, 3}) {
                h2.headers(stream, true, ":method", "GET", ":scheme", "https", ":authority", "tls.test", ":path",
                        "/h2-" + stream);
                h2.await(RawHttp2.HEADERS, stream, 5000);
            }
        }
        JsonNode h2First = json.readTree(lineWith("/h2-1"));
        JsonNode h2Second = json.readTree(lineWith("/h2-3"));
        assertThat(h2Second.get("conn").asText()).isEqualTo(h2First.get("conn").asText())
                .isNotIn(a.get("conn").asText(), other.get("conn").asText());
        assertThat(List.of(h2First.get("n").asText(), h2Second.get("n").asText())).containsExactly("1", "2");
        assertThat(h2First.get("server").asText()).isEqualTo("tls.test");
    }

    @Test
    void podsWhoseAnswersWereDroppedAreListedWithTheirStatusAndTime() throws Exception {
        TestBackend failing = TestBackend.start("127.0.0.5", "failing");
        TestBackend errors = TestBackend.start("127.0.0.6", "errors");
        TestBackend slow = TestBackend.start("127.0.0.7", "slow");
        try {
            slow.delay(5000);
            failing.respond(request -> TestBackend.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "busy"));
            errors.respond(request -> TestBackend.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "branded page"));
            write(manifests, "dropped.yaml", String.join("---\n", Manifests.service("errors", errors),
                    Manifests.service("mixed", failing, pod),
                    Manifests.ingress("next", "next.test", "/", "mixed", java.util.Map.of(
                            "nginx.ingress.kubernetes.io/proxy-next-upstream", "error timeout http_503")),
                    Manifests.service("down", failing),
                    Manifests.ingress("paged", "paged.test", "/", "down", java.util.Map.of(
                            "nginx.ingress.kubernetes.io/custom-http-errors", "503",
                            "nginx.ingress.kubernetes.io/default-backend", "errors")),
                    Manifests.service("sluggish", slow, pod),
                    Manifests.ingress("sluggish", "sluggish.test", "/", "sluggish", java.util.Map.of(
                            "nginx.ingress.kubernetes.io/proxy-read-timeout", "1"))));
            caravan = CaravanHarness.start(manifests, "--log-format-upstream",
                    "$request_uri $upstream_addr|$upstream_status|$upstream_header_time|$upstream_http_x_pod");
            for (int i = 0; i < 4; i++) {
                try (RawHttp client = new RawHttp(caravan.httpPort())) {
                    client.send("GET /next-" + i + " HTTP/1.1\r\nHost: next.test\r\n\r\n");
                    assertThat(client.read(false).status()).isEqualTo(200);
                }
            }
            try (RawHttp client = new RawHttp(caravan.httpPort())) {
                client.send("GET /paged HTTP/1.1\r\nHost: paged.test\r\n\r\n");
                assertThat(client.read(false).text()).isEqualTo("branded page");
            }
            // the pod whose 503 was dropped for another is listed with its status and its time to answer
            String dropped = failing.ip() + ":" + failing.port() + ", ";
            await().atMost(Duration.ofSeconds(5)).until(() -> lines.stream().anyMatch(line -> line.startsWith("/next-")
                    && line.contains(dropped)));
            assertThat(lines.stream().filter(line -> line.startsWith("/next-") && line.contains(dropped)).findFirst()
                    .orElseThrow()).matches("/next-\\d " + Pattern.quote(
                    failing.ip() + ":" + failing.port() + ", " + pod.ip() + ":" + pod.port() + "|503, 200|")
                    + "\\d+\\.\\d{3}, \\d+\\.\\d{3}\\|-");
            // a try that timed out is 504, as nginx logs it
            for (int i = 0; i < 2; i++) {
                try (RawHttp client = new RawHttp(caravan.httpPort())) {
                    client.send("GET /sluggish-" + i + " HTTP/1.1\r\nHost: sluggish.test\r\n\r\n");
                    assertThat(client.read(false).status()).isEqualTo(200);
                }
            }
            String timedOut = slow.ip() + ":" + slow.port() + ", ";
            await().atMost(Duration.ofSeconds(5)).until(() -> lines.stream().anyMatch(line -> line.startsWith("/sluggish-")
                    && line.contains(timedOut)));
            assertThat(lines.stream().filter(line -> line.startsWith("/sluggish-") && line.contains(timedOut)).findFirst()
                    .orElseThrow()).contains("|504, 200|");
            // an intercepted answer, then the error page's backend
            assertThat(lineWith("/paged ")).matches(Pattern.quote("/paged " + failing.ip() + ":" + failing.port() + ", "
                    + errors.ip() + ":" + errors.port() + "|503, 503|") + "\\d+\\.\\d{3}, \\d+\\.\\d{3}\\|-");
        } finally {
            failing.close();
            errors.close();
            slow.close();
        }
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = java.util.Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    @Test
    void aVariableTheLogCannotFillInIsRefusedAtStart() {
        assertThatThrownBy(() -> LogFormat.parse("$remote_addr $request_body", LogFormat.Escape.DEFAULT))
                .hasMessage("has $request_body, which is not a variable Caravan's access log fills in");
        // every one at once
        assertThatThrownBy(() -> LogFormat.parse("$geoip_country_code $status $request_body", LogFormat.Escape.DEFAULT))
                .hasMessage("has $geoip_country_code, $request_body, which are not variables Caravan's access log"
                        + " fills in");
        for (String malformed : new String[] {"${http_user_agent", "$ alone", "$1", " "}) {
            assertThatThrownBy(() -> LogFormat.parse(malformed, LogFormat.Escape.DEFAULT)).as(malformed)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}

package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --add-headers and --proxy-set-headers: the operator's ConfigMaps of headers for every response and pod request. */
class GlobalHeadersTest {

    private static final String P = "nginx.ingress.kubernetes.io/";

    @TempDir
    Path manifests;
    TestBackend pod;
    CaravanHarness caravan;

    private static String configMap(String namespace, String name, Map<String, String> data) {
        StringBuilder yaml = new StringBuilder("""
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: %s
                  namespace: %s
                data:
                """.formatted(name, namespace));
        data.forEach((key, value) -> yaml.append("  ").append(key).append(": '").append(value.replace("'", "''"))
                .append("'\n"));
        return yaml.toString();
    }

    private String all(String frameOptions) {
        return String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                configMap("ingress-nginx", "response-headers", Map.of("X-Frame-Options", frameOptions,
                        "X-Custom", "global", "Access-Control-Allow-Origin", "*", "X-Request", "id $request_id",
                        "X-Unknown", "$time_local")),
                configMap("ingress-nginx", "request-headers", Map.ofEntries(Map.entry("X-Via", "caravan"),
                        Map.entry("X-Client", "$remote_addr"), Map.entry("X-Original-Host", "$host"),
                        Map.entry("X-Secret", "$http_x_nothing"), Map.entry("X-User", "$remote_user"),
                        Map.entry("X-Unknown", "$time_local"), Map.entry("X-Id", "$request_id"),
                        Map.entry("X-Request-Start", "t=${msec}"), Map.entry("X-Server", "$scheme://$server_addr:$server_port"),
                        Map.entry("X-Chain", "$proxy_add_x_forwarded_for"), Map.entry("X-Ingress", "$namespace/$ingress_name"))),
                configMap("default", "own", Map.of("X-Custom", "ingress")),
                Manifests.ingress("plain", "plain.test", "/", "svc"),
                Manifests.ingress("own", "own.test", "/", "svc", Map.of(P + "custom-headers", "own")),
                Manifests.ingress("cors", "cors.test", "/", "svc", Map.of(P + "enable-cors", "true",
                        P + "cors-allow-origin", "https://app.example.com")));
    }

    @BeforeEach
    void start() throws Exception {
        pod = TestBackend.start("127.0.0.2", "pod");
        write(manifests, "all.yaml", all("DENY"));
        caravan = CaravanHarness.start(manifests, "--add-headers", "ingress-nginx/response-headers",
                "--proxy-set-headers", "ingress-nginx/request-headers", "--global-allowed-response-headers", "X-Custom");
    }

    @AfterEach
    void stop() throws Exception {
        caravan.close();
        pod.close();
    }

    private RawHttp.Response get(String host) throws Exception {
        try (RawHttp client = new RawHttp(caravan.httpPort())) {
            client.send("GET /x HTTP/1.1\r\nHost: " + host + "\r\nX-Secret: from-the-client\r\n\r\n");
            return client.read(false);
        }
    }

    @Test
    void everyResponseGetsTheOperatorsHeadersAndAnIngressesOwnWin() throws Exception {
        RawHttp.Response plain = get("plain.test");
        assertThat(plain.status()).isEqualTo(200);
        assertThat(plain.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(plain.header("X-Custom")).isEqualTo("global");
        assertThat(plain.header("X-Request")).isEqualTo("id " + pod.last().headers().get("X-Request-ID"));
        assertThat(get("own.test").header("X-Custom")).isEqualTo("ingress");
        assertThat(get("own.test").header("X-Frame-Options")).isEqualTo("DENY");
        // what no rule serves too, as nginx's http-level more_set_headers, and a request refused before routing
        RawHttp.Response none = get("nowhere.test");
        assertThat(none.status()).isEqualTo(404);
        assertThat(none.header("X-Frame-Options")).isEqualTo("DENY");
        try (RawHttp client = new RawHttp(caravan.httpPort())) {
            client.send("GET / HTTP/1.1\r\n\r\n");
            RawHttp.Response noHost = client.read(false);
            assertThat(noHost.status()).isEqualTo(400);
            assertThat(noHost.header("X-Frame-Options")).isEqualTo("DENY");
            // what is refused before it is routed gets the headers of text alone
            assertThat(noHost.header("X-Request")).isNull();
        }
        // a value with nginx variables is filled in from the request it answers: $request_id is the pod's X-Request-ID
        assertThat(plain.header("X-Request")).matches("id [0-9a-f]{32}");
        assertThat(none.header("X-Request")).matches("id [0-9a-f]{32}").isNotEqualTo(plain.header("X-Request"));
        // a variable Caravan does not fill in leaves out that header alone
        assertThat(plain.header("X-Unknown")).isNull();
        // on one connection, an answer refused before routing does not take the previous request's values
        try (RawHttp client = new RawHttp(caravan.httpPort())) {
            client.send("GET /x HTTP/1.1\r\nHost: plain.test\r\n\r\n");
            assertThat(client.read(false).header("X-Request")).matches("id [0-9a-f]{32}");
            client.send("GET /x HTTP/1.1\r\n\r\n");
            RawHttp.Response refused = client.read(false);
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.header("X-Request")).isNull();
            assertThat(refused.header("X-Custom")).isEqualTo("global");
        }
    }

    @Test
    void anIngressesCorsHeadersWinOverTheOperatorsAsALocationsOwn() throws Exception {
        try (RawHttp client = new RawHttp(caravan.httpPort())) {
            client.send("GET /x HTTP/1.1\r\nHost: cors.test\r\nOrigin: https://app.example.com\r\n\r\n");
            assertThat(client.read(false).header("Access-Control-Allow-Origin")).isEqualTo("https://app.example.com");
            client.send("OPTIONS /x HTTP/1.1\r\nHost: cors.test\r\nOrigin: https://app.example.com\r\n"
                    + "Access-Control-Request-Method: PUT\r\n\r\n");
            RawHttp.Response preflight = client.read(false);
            assertThat(preflight.status()).isEqualTo(204);
            assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo("https://app.example.com");
        }
        assertThat(get("plain.test").header("Access-Control-Allow-Origin")).isEqualTo("*");
    }

    @Test
    void everyPodRequestGetsTheOperatorsHeadersWithTheirVariables() throws Exception {
        assertThat(get("plain.test").status()).isEqualTo(200);
        assertThat(pod.last().headers().get("X-Via")).isEqualTo("caravan");
        assertThat(pod.last().headers().get("X-Client")).isEqualTo("127.0.0.1");
        // a variable Caravan does not fill in leaves out that header alone
        assertThat(pod.last().headers().contains("X-Unknown")).isFalse();
        assertThat(pod.last().headers().get("X-Original-Host")).isEqualTo("plain.test");
        // a value that comes out empty removes the header, the client's own included, as nginx's proxy_set_header
        assertThat(pod.last().headers().contains("X-Secret")).isFalse();
        // what the client sent, made fit for a header
        try (RawHttp client = new RawHttp(caravan.httpPort())) {
            client.send("GET /x HTTP/1.1\r\nHost: plain.test\r\nAuthorization: Basic "
                    + java.util.Base64.getEncoder().encodeToString("ann\r\nX-Evil: 1:pass".getBytes(
                            java.nio.charset.StandardCharsets.UTF_8)) + "\r\n\r\n");
            assertThat(client.read(false).status()).isEqualTo(200);
        }
        assertThat(pod.last().headers().get("X-User")).isEqualTo("ann%0D%0AX-Evil");
        assertThat(pod.last().headers().contains("X-Evil")).isFalse();
    }

    @Test
    void theVariablesOfTheConnectionTimeAndRequestIdAreFilledIn() throws Exception {
        long before = System.currentTimeMillis();
        assertThat(get("plain.test").status()).isEqualTo(200);
        var headers = pod.last().headers();
        // $request_id is the X-Request-ID the pod gets when the client sent none, as ingress-nginx's $req_id
        assertThat(headers.get("X-Id")).matches("[0-9a-f]{32}").isEqualTo(headers.get("X-Request-ID"));
        assertThat(headers.get("X-Request-Start")).matches("t=[0-9]+\\.[0-9]{3}");
        assertThat(Long.parseLong(headers.get("X-Request-Start").substring(2).replace(".", "")))
                .isBetween(before, System.currentTimeMillis());
        assertThat(headers.get("X-Server")).isEqualTo("http://127.0.0.1:" + caravan.httpPort());
        assertThat(headers.get("X-Ingress")).isEqualTo("default/plain");
        assertThat(headers.get("X-Chain")).isEqualTo("127.0.0.1");
        try (RawHttp client = new RawHttp(caravan.httpPort())) {
            client.send("GET /x HTTP/1.1\r\nHost: plain.test\r\nX-Request-ID: client-id\r\n"
                    + "X-Forwarded-For: 192.0.2.1\r\n\r\n");
            assertThat(client.read(false).status()).isEqualTo(200);
        }
        headers = pod.last().headers();
        // nginx's $request_id is the request's own, whatever the client sent
        assertThat(headers.get("X-Request-ID")).isEqualTo("client-id");
        assertThat(headers.get("X-Id")).matches("[0-9a-f]{32}");
        assertThat(headers.get("X-Chain")).isEqualTo("192.0.2.1, 127.0.0.1");
    }

    @Test
    void aChangedConfigMapAppliesWithoutRestartAndOneThatCannotBeUsedHoldsNothingElseBack() throws Exception {
        caravan.write("all.yaml", all("SAMEORIGIN"));
        caravan.awaitResponse("plain.test", "/", response -> "SAMEORIGIN".equals(response.header("X-Frame-Options")));
        // a value ingress-nginx refuses: that header is not set, the others are, every Ingress is still served
        caravan.write("all.yaml", all("ALLOW-FROM \u00e9"));
        caravan.awaitResponse("plain.test", "/", response -> response.header("X-Frame-Options") == null);
        RawHttp.Response plain = get("plain.test");
        assertThat(plain.status()).isEqualTo(200);
        assertThat(plain.header("X-Custom")).isEqualTo("global");
        // the request headers' ConfigMap is a ConfigMap of its own, still used
        assertThat(pod.last().headers().get("X-Via")).isEqualTo("caravan");
        // what is left out is counted for alerts: X-Frame-Options, and the unknown variables of either ConfigMap
        String metrics = RawHttp.get(caravan.adminPort(), "localhost", "/metrics").text();
        assertThat(metrics).contains("caravan_global_headers_problems 3.0");
    }
}

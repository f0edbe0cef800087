package dev.caravan.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class RequestKeyTest {

    private static final InetSocketAddress CLIENT = new InetSocketAddress("10.1.2.3", 5555);

    @Test
    void variablesAreTheRequestsPartsAsNginxNamesThem() {
        HttpHeaders headers = new DefaultHttpHeaders().set("X-Tenant", "acme").set("Cookie", "a=1; sid=xyz")
                .set("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        "alice:pa:ss".getBytes(StandardCharsets.UTF_8)));
        RequestKey key = RequestKey.parse("$remote_user|$http_x_tenant|$cookie_sid|$arg_page|${host}|$uri|$remote_addr");
        assertThat(key.keyOf(facts("/p/q?page=2", "/p/q", "Shop.Test", headers)))
                .isEqualTo("alice|acme|xyz|2|shop.test|/p/q|10.1.2.3");
    }

    @Test
    void remoteUserIsEmptyWithoutBasicCredentials() {
        RequestKey key = RequestKey.parse("[$remote_user]");
        for (String authorization : new String[] {"Bearer abc", "Basic !!!", "Basic " + Base64.getEncoder()
                .encodeToString("nocolon".getBytes(StandardCharsets.UTF_8))}) {
            assertThat(key.keyOf(facts("/", "/", "h", new DefaultHttpHeaders().set("Authorization", authorization))))
                    .as(authorization).isEqualTo("[]");
        }
        assertThat(key.keyOf(facts("/", "/", "h", new DefaultHttpHeaders()))).isEqualTo("[]");
    }

    @Test
    void aHeaderIsEveryLineOfItAsNginxJoinsThemAndAnArgumentIsTakenAsSent() {
        HttpHeaders headers = new DefaultHttpHeaders().add("Cookie", "").add("Cookie", "session=mine")
                .add("X-Token", "a").add("x-token", "b").add("X_Token", "c");
        RequestKey key = RequestKey.parse("$http_cookie|$http_x_token");
        // a first empty line cannot make a request's key every other request's
        assertThat(key.keyOf(facts("/", "/", "h", headers))).isEqualTo("; session=mine|a, b, c");
        RequestKey argument = RequestKey.parse("$arg_page|$arg_q");
        assertThat(argument.keyOf(facts("/s?xpage=9&PAGE=%zz&page=2&q=a%20b", "/s", "h", new DefaultHttpHeaders())))
                .isEqualTo("%zz|a%20b");
        assertThat(argument.keyOf(facts("/s?page&q=", "/s", "h", new DefaultHttpHeaders()))).isEqualTo("|");
        assertThat(argument.keyOf(facts("/s", "/s", "h", new DefaultHttpHeaders()))).isEqualTo("|");
    }

    @Test
    void theRequestLineConnectionAndIngressAreNginxsVariables() {
        HttpHeaders headers = new DefaultHttpHeaders().add("X-Forwarded-For", "192.0.2.1").add("X-Forwarded-For", "192.0.2.2")
                .set("Content-Type", "text/plain").set("Content-Length", "3");
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.POST, "/p?q=1", headers);
        RequestFacts facts = new RequestFacts(request, "HTTP/1.0", "/p", "h", CLIENT, "https",
                new InetSocketAddress("127.0.0.9", 8443), new ObjectRef("shop", "web"));
        RequestKey key = RequestKey.parse("$request|$request_method|$server_protocol|$scheme|$https|$server_addr:$server_port"
                + "|$remote_port|$is_args|$document_uri|$proxy_add_x_forwarded_for|$content_type|$content_length"
                + "|$namespace/$ingress_name");
        assertThat(key.keyOf(facts)).isEqualTo("POST /p?q=1 HTTP/1.0|POST|HTTP/1.0|https|on|127.0.0.9:8443|5555|?|/p"
                + "|192.0.2.1, 192.0.2.2, 10.1.2.3|text/plain|3|shop/web");
        RequestFacts plain = new RequestFacts(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/"), "HTTP/2.0",
                "/", "h", CLIENT, "http", null, null);
        assertThat(RequestKey.parse("$is_args|$https|$proxy_add_x_forwarded_for|$namespace|$server_protocol")
                .keyOf(plain)).isEqualTo("||10.1.2.3||HTTP/2.0");
        // nginx's $host: lower case, no trailing dot; the rule's Service and port
        RequestFacts served = new RequestFacts(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/"),
                "HTTP/1.1", "/", "App.Example.com.", CLIENT, "http", null, new ObjectRef("shop", "web"),
                new Backend("shop/cart:8080", java.util.List.of()));
        assertThat(RequestKey.parse("$host|$service_name|$service_port").keyOf(served))
                .isEqualTo("app.example.com|cart|8080");
    }

    @Test
    void aRequestHasOneRequestIdAndReqIdIsTheClientsWhenItIsPassedOn() {
        RequestFacts facts = facts("/", "/", "h", new DefaultHttpHeaders());
        assertThat(facts.requestIdIfMade()).isNull();
        String id = RequestKey.parse("$request_id").keyOf(facts);
        assertThat(id).matches("[0-9a-f]{32}");
        assertThat(facts.requestIdIfMade()).isEqualTo(id);
        assertThat(RequestKey.parse("${req_id}").keyOf(facts)).isEqualTo(id);
        assertThat(RequestKey.parse("$request_id").keyOf(facts("/", "/", "h", new DefaultHttpHeaders()))).isNotEqualTo(id);
        RequestFacts sent = facts("/", "/", "h", new DefaultHttpHeaders().set("X-Request-ID", "abc"));
        assertThat(RequestKey.parse("$req_id").keyOf(sent)).isEqualTo("abc");
        assertThat(RequestKey.parse("$request_id").keyOf(sent)).matches("[0-9a-f]{32}");
        // an id Caravan would not pass on is not the request's
        RequestFacts tooLong = facts("/", "/", "h", new DefaultHttpHeaders().set("X-Request-ID", "x".repeat(129)));
        assertThat(RequestKey.parse("$req_id").keyOf(tooLong)).matches("[0-9a-f]{32}");
    }

    @Test
    void aCookieIsReadAsNginxReadsItInAnyCaseAndAsSent() {
        HttpHeaders headers = new DefaultHttpHeaders().add("Cookie", "a=1; Session=\"q\\\"u\"").add("Cookie", "b=2");
        assertThat(RequestKey.parse("$cookie_SESSION|$cookie_b|$cookie_none").keyOf(facts("/", "/", "h", headers)))
                .isEqualTo("\"q\\\"u\"|2|");
    }

    @Test
    void msecIsTheTimeInSecondsToTheMillisecond() {
        long before = System.currentTimeMillis();
        String msec = RequestKey.parse("$msec").keyOf(facts("/", "/", "h", new DefaultHttpHeaders()));
        long after = System.currentTimeMillis();
        assertThat(msec).matches("[0-9]+\\.[0-9]{3}");
        long millis = Long.parseLong(msec.replace(".", ""));
        assertThat(millis).isBetween(before, after);
    }

    @Test
    void aVariableNotFilledInIsRefused() {
        assertThatThrownBy(() -> RequestKey.parse("$time_local")).hasMessageContaining("$time_local");
        assertThatThrownBy(() -> RequestKey.parse("a$")).hasMessageContaining("'$'");
    }

    private static RequestFacts facts(String uri, String path, String host, HttpHeaders headers) {
        return new RequestFacts(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri, headers), "HTTP/1.1",
                path, host, CLIENT, "http", new InetSocketAddress("127.0.0.1", 8080), null);
    }
}

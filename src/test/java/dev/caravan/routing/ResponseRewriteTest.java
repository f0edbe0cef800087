package dev.caravan.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

/** nginx's proxy_redirect, proxy_cookie_domain and proxy_cookie_path, as their matching works in nginx. */
class ResponseRewriteTest {

    private static HttpHeaders apply(ResponseRewrite rewrite, String... headers) {
        HttpHeaders result = new DefaultHttpHeaders();
        for (int i = 0; i < headers.length; i += 2) {
            result.add(headers[i], headers[i + 1]);
        }
        rewrite.apply(result, "https://shop.example.com:8443");
        return result;
    }

    @Test
    void aLocationPrefixIsReplacedCaseSensitivelyAndRefreshToo() {
        ResponseRewrite redirect = new ResponseRewrite("http://pod:8080/", "https://example.com/app/", null, null, null,
                null);
        assertThat(apply(redirect, "Location", "http://pod:8080/login?next=/").get("Location"))
                .isEqualTo("https://example.com/app/login?next=/");
        assertThat(apply(redirect, "Location", "HTTP://POD:8080/login").get("Location"))
                .isEqualTo("HTTP://POD:8080/login");
        assertThat(apply(redirect, "Location", "/relative").get("Location")).isEqualTo("/relative");
        // rewritten to a path: made absolute with the request's origin, as nginx's absolute_redirect
        ResponseRewrite toPath = new ResponseRewrite("http://pod:8080/", "/app/", null, null, null, null);
        assertThat(apply(toPath, "Location", "http://pod:8080/login").get("Location"))
                .isEqualTo("https://shop.example.com:8443/app/login");
        assertThat(apply(redirect, "Refresh", "5; URL=http://pod:8080/x").get("Refresh"))
                .isEqualTo("5; URL=https://example.com/app/x");
        assertThat(apply(redirect, "Refresh", "5").get("Refresh")).isEqualTo("5");
    }

    @Test
    void aCookiesDomainIsReplacedWhenItIsTheOneNamedInAnyCaseAndWithOrWithoutItsDot() {
        ResponseRewrite domain = new ResponseRewrite(null, null, "pod.internal", "example.com", null, null);
        assertThat(apply(domain, "Set-Cookie", "a=1; domain=.POD.internal; Secure",
                "Set-Cookie", "b=2; Domain=pod.internal",
                "Set-Cookie", "c=3; Domain=sub.pod.internal",
                "Set-Cookie", "d=pod.internal").getAll("Set-Cookie")).containsExactly(
                        "a=1; domain=.example.com; Secure", "b=2; Domain=example.com", "c=3; Domain=sub.pod.internal",
                        "d=pod.internal");
    }

    @Test
    void aCookiesPathPrefixIsReplacedCaseSensitivelyWithinItsValue() {
        ResponseRewrite path = new ResponseRewrite(null, null, null, null, "/api/", "/");
        assertThat(apply(path, "Set-Cookie", "a=1; Path=/api/v1; HttpOnly",
                "Set-Cookie", "b=2; path=/API/v1",
                "Set-Cookie", "c=3; Path=/api",
                "Set-Cookie", "d=/api/; Max-Age=5").getAll("Set-Cookie")).containsExactly(
                        "a=1; Path=/v1; HttpOnly", "b=2; path=/API/v1", "c=3; Path=/api", "d=/api/; Max-Age=5");
        ResponseRewrite both = new ResponseRewrite(null, null, "pod", "example.com", "/api/", "/");
        assertThat(apply(both, "Set-Cookie", "a=1; Domain=pod; Path=/api/x").get("Set-Cookie"))
                .isEqualTo("a=1; Domain=example.com; Path=/x");
    }
}

package dev.caravan.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

class CanaryTest {

    /** canary-by-cookie alone, weight 0: only the cookie sends a request to the canary. */
    private static final Canary BY_COOKIE = new Canary(null, new ObjectRef("default", "canary"), null, null, null,
            "canary", 0, 100);

    @Test
    void theCookiesFirstValueDecidesAsNginxReadsIt() {
        assertThat(BY_COOKIE.chooses(cookies("canary=always"))).isTrue();
        assertThat(BY_COOKIE.chooses(cookies("canary=never"))).isFalse();
        // nginx's $cookie_canary is the first value sent: a later "always" changes nothing
        assertThat(BY_COOKIE.chooses(cookies("canary=maybe; canary=always"))).isFalse();
        assertThat(BY_COOKIE.chooses(cookies("canary=always; canary=never"))).isTrue();
        assertThat(BY_COOKIE.chooses(cookies("other=always"))).isFalse();
    }

    @Test
    void aHeaderPatternIsFoundAnywhereInTheValueAsNginxSearchesForIt() {
        Canary byPattern = new Canary(null, new ObjectRef("default", "canary"), "X-Canary", null,
                java.util.regex.Pattern.compile("beta"), null, 0, 100);
        assertThat(byPattern.chooses(new DefaultHttpHeaders().add("X-Canary", "beta"))).isTrue();
        assertThat(byPattern.chooses(new DefaultHttpHeaders().add("X-Canary", "xbeta-1"))).isTrue();
        assertThat(byPattern.chooses(new DefaultHttpHeaders().add("X-Canary", "alpha"))).isFalse();
    }

    private static HttpHeaders cookies(String header) {
        return new DefaultHttpHeaders().add(HttpHeaderNames.COOKIE, header);
    }
}

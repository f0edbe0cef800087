package dev.caravan.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

class RequestCookiesTest {

    @Test
    void everyValueOfTheNameInTheOrderSentAcrossHeaders() {
        HttpHeaders headers = new DefaultHttpHeaders()
                .add(HttpHeaderNames.COOKIE, "route=zeta; other=1; route=alpha")
                .add(HttpHeaderNames.COOKIE, "route=mid");
        // a set sorted by name would keep one "route" per header; the client's order and every value count
        assertThat(RequestCookies.values(headers, "route")).containsExactly("zeta", "alpha", "mid");
        assertThat(RequestCookies.values(headers, "other")).containsExactly("1");
        assertThat(RequestCookies.values(headers, "missing")).isEmpty();
    }

    @Test
    void noCookieHeaderGivesNoValues() {
        assertThat(RequestCookies.values(new DefaultHttpHeaders(), "route")).isEmpty();
    }
}

package dev.caravan.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
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
        assertThat(key.keyOf("/p/q?page=2", "/p/q", "Shop.Test", CLIENT, headers))
                .isEqualTo("alice|acme|xyz|2|shop.test|/p/q|10.1.2.3");
    }

    @Test
    void remoteUserIsEmptyWithoutBasicCredentials() {
        RequestKey key = RequestKey.parse("[$remote_user]");
        for (String authorization : new String[] {"Bearer abc", "Basic !!!", "Basic " + Base64.getEncoder()
                .encodeToString("nocolon".getBytes(StandardCharsets.UTF_8))}) {
            assertThat(key.keyOf("/", "/", "h", CLIENT, new DefaultHttpHeaders().set("Authorization", authorization)))
                    .as(authorization).isEqualTo("[]");
        }
        assertThat(key.keyOf("/", "/", "h", CLIENT, new DefaultHttpHeaders())).isEqualTo("[]");
    }

    @Test
    void aHeaderIsEveryLineOfItAsNginxJoinsThemAndAnArgumentIsTakenAsSent() {
        HttpHeaders headers = new DefaultHttpHeaders().add("Cookie", "").add("Cookie", "session=mine")
                .add("X-Token", "a").add("x-token", "b").add("X_Token", "c");
        RequestKey key = RequestKey.parse("$http_cookie|$http_x_token");
        // a first empty line cannot make a request's key every other request's
        assertThat(key.keyOf("/", "/", "h", CLIENT, headers)).isEqualTo("; session=mine|a, b, c");
        RequestKey argument = RequestKey.parse("$arg_page|$arg_q");
        assertThat(argument.keyOf("/s?xpage=9&PAGE=%zz&page=2&q=a%20b", "/s", "h", CLIENT, new DefaultHttpHeaders()))
                .isEqualTo("%zz|a%20b");
        assertThat(argument.keyOf("/s?page&q=", "/s", "h", CLIENT, new DefaultHttpHeaders())).isEqualTo("|");
        assertThat(argument.keyOf("/s", "/s", "h", CLIENT, new DefaultHttpHeaders())).isEqualTo("|");
    }

    @Test
    void aVariableNotFilledInIsRefused() {
        assertThatThrownBy(() -> RequestKey.parse("$request_id")).hasMessageContaining("$request_id");
        assertThatThrownBy(() -> RequestKey.parse("a$")).hasMessageContaining("'$'");
    }
}

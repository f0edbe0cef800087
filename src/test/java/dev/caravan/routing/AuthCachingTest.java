package dev.caravan.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class AuthCachingTest {

    private static AuthCaching caching(String durations) {
        return new AuthCaching(RequestKey.parse("$http_authorization"), AuthCaching.validities(durations));
    }

    @Test
    void durationsReadAsNginxsProxyCacheValid() {
        AuthCaching caching = caching("200 202 90m, 401 30s, any 1m");
        assertThat(caching.validity(200)).isEqualTo(Duration.ofMinutes(90));
        assertThat(caching.validity(401)).isEqualTo(Duration.ofSeconds(30));
        assertThat(caching.validity(500)).as("any").isEqualTo(Duration.ofMinutes(1));
        // the first entry naming a status is its own
        assertThat(caching("401 1m, 401 1h").validity(401)).isEqualTo(Duration.ofMinutes(1));
        // a time alone is nginx's 200, 301 and 302
        AuthCaching bare = caching("2d");
        assertThat(bare.validity(302)).isEqualTo(Duration.ofDays(2));
        assertThat(bare.validity(401)).isNull();
        assertThat(caching("200 1w, 201 1M, 202 1y").validity(202)).isEqualTo(Duration.ofDays(365));
        // nothing is kept for no time
        assertThat(caching("200 0s").validity(200)).isNull();
        assertThat(caching(" ").validity(202)).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void anEntryThatIsNotStatusesAndATimeIsRefusedNamingIt() {
        // nginx reads one time in seconds: "1h 30m" and "100ms" fail its configuration test
        for (String bad : new String[] {"200", "5m 200", "200 5x", "2000 5m", "abc 5m", "200 -5m", "200 5m,, x",
            "200 1h 30m", "200 100ms", "200 1h30m"}) {
            assertThatThrownBy(() -> AuthCaching.validities(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has '");
        }
    }
}

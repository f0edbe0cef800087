package dev.caravan.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.routing.AuthCaching;
import dev.caravan.routing.RequestKey;
import io.netty.handler.codec.DateFormatter;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class AuthAnswerCacheTest {

    private static final AuthCaching CACHING = new AuthCaching(RequestKey.parse("$http_authorization"),
            AuthCaching.validities("200 10m, 401 1m"));

    private static Map<String, List<String>> headers(String... nameValues) {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 0; i < nameValues.length; i += 2) {
            headers.computeIfAbsent(nameValues[i], name -> new java.util.ArrayList<>()).add(nameValues[i + 1]);
        }
        return headers;
    }

    @Test
    void theAnswersOwnCachingHeadersComeFirstAsNginxReadsThem() {
        assertThat(AuthAnswerCache.lifetime(CACHING, 200, headers())).isEqualTo(Duration.ofMinutes(10));
        assertThat(AuthAnswerCache.lifetime(CACHING, 403, headers())).isNull();
        assertThat(AuthAnswerCache.lifetime(CACHING, 200, headers("set-cookie", "s=1"))).isNull();
        assertThat(AuthAnswerCache.lifetime(CACHING, 200, headers("Vary", "Cookie"))).isNull();
        assertThat(AuthAnswerCache.lifetime(CACHING, 200, headers("Cache-Control", "public, no-store"))).isNull();
        assertThat(AuthAnswerCache.lifetime(CACHING, 200, headers("Cache-Control", "private"))).isNull();
        assertThat(AuthAnswerCache.lifetime(CACHING, 200, headers("Cache-Control", "max-age=0"))).isNull();
        assertThat(AuthAnswerCache.lifetime(CACHING, 403, headers("Cache-Control", "max-age=30")))
                .isEqualTo(Duration.ofSeconds(30));
        // what forbids keeping wins wherever it is; s-maxage comes before max-age
        assertThat(AuthAnswerCache.lifetime(CACHING, 200, headers("Cache-Control", "max-age=60, private"))).isNull();
        assertThat(AuthAnswerCache.lifetime(CACHING, 200, headers("Cache-Control", "max-age=60",
                "Cache-Control", "no-store"))).isNull();
        assertThat(AuthAnswerCache.lifetime(CACHING, 200, headers("Cache-Control", "max-age=300, s-maxage=0")))
                .isNull();
        assertThat(AuthAnswerCache.lifetime(CACHING, 200, headers("Cache-Control", "max-age=300, s-maxage=20")))
                .isEqualTo(Duration.ofSeconds(20));
        // X-Accel-Expires is nginx's own, before Cache-Control
        assertThat(AuthAnswerCache.lifetime(CACHING, 200, headers("X-Accel-Expires", "5", "Cache-Control",
                "no-cache"))).isEqualTo(Duration.ofSeconds(5));
        assertThat(AuthAnswerCache.lifetime(CACHING, 200, headers("X-Accel-Expires", "0"))).isNull();
        assertThat(AuthAnswerCache.lifetime(CACHING, 200, headers("X-Accel-Expires", "@1700000000"))).isNull();
        String past = DateFormatter.format(new Date(System.currentTimeMillis() - 60_000));
        assertThat(AuthAnswerCache.lifetime(CACHING, 200, headers("Expires", past))).isNull();
        assertThat(AuthAnswerCache.lifetime(CACHING, 200, headers("Expires", "not a date"))).isNull();
        String soon = DateFormatter.format(new Date(System.currentTimeMillis() + 120_000));
        assertThat(AuthAnswerCache.lifetime(CACHING, 200, headers("Expires", soon)))
                .isBetween(Duration.ofSeconds(100), Duration.ofSeconds(121));
    }

    @Test
    void onlyTheHeadersReadAreKeptAndAnAnswerGoesWhenItsTimeIsUp() {
        AuthAnswerCache cache = new AuthAnswerCache();
        cache.offer("k", CACHING, 200, headers("X-User", "alice", "X-Other", "o"), List.of("x-user", "X-Email"), 0);
        AuthAnswerCache.Answer kept = cache.get("k", Duration.ofMinutes(9).toNanos());
        assertThat(kept.status()).isEqualTo(200);
        assertThat(kept.headers()).containsOnlyKeys("x-user");
        assertThat(kept.headers().get("X-USER")).containsExactly("alice");
        assertThat(cache.get("k", Duration.ofMinutes(10).toNanos())).isNull();
        assertThat(cache.size()).isZero();
        assertThat(cache.get("other", 0)).isNull();

        // a time beyond what nanoTime can count is kept for good, not refused
        AuthCaching forever = new AuthCaching(RequestKey.parse("$host"), AuthCaching.validities("200 999999y"));
        cache.offer("long", forever, 200, headers(), List.of(), 0);
        assertThat(cache.get("long", Duration.ofDays(3000).toNanos())).isNotNull();
    }

    @Test
    void theCacheIsBoundedInCountAndInBytesTheLeastRecentlyUsedGoingFirst() {
        AuthAnswerCache cache = new AuthAnswerCache();
        for (int i = 0; i <= AuthAnswerCache.MAX_ENTRIES; i++) {
            cache.offer("key" + i, CACHING, 200, headers(), List.of(), 0);
            if (i == 0) {
                cache.offer("key0", CACHING, 200, headers(), List.of(), 0);
            }
            if (i == AuthAnswerCache.MAX_ENTRIES - 1) {
                // used just now: not the one to go
                assertThat(cache.get("key0", 1)).isNotNull();
            }
        }
        assertThat(cache.size()).isEqualTo(AuthAnswerCache.MAX_ENTRIES);
        assertThat(cache.get("key0", 1)).isNotNull();
        assertThat(cache.get("key1", 1)).isNull();

        // an answer too large to keep is not, and large ones fill the bytes before the count
        AuthAnswerCache bytes = new AuthAnswerCache();
        bytes.offer("huge", CACHING, 200, headers("X-Token", "t".repeat(AuthAnswerCache.MAX_ANSWER_BYTES)),
                List.of("X-Token"), 0);
        assertThat(bytes.size()).isZero();
        String token = "t".repeat(AuthAnswerCache.MAX_ANSWER_BYTES / 2 - 200);
        for (int i = 0; i < 10_000; i++) {
            bytes.offer("big" + i, CACHING, 200, headers("X-Token", token), List.of("X-Token"), 0);
        }
        assertThat(bytes.size()).isLessThan(AuthAnswerCache.MAX_ENTRIES)
                .isGreaterThanOrEqualTo((int) (AuthAnswerCache.MAX_BYTES / AuthAnswerCache.MAX_ANSWER_BYTES));
        assertThat(bytes.get("big9999", 1)).isNotNull();
        assertThat(bytes.get("big0", 1)).isNull();
    }
}

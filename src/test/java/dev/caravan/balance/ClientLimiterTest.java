package dev.caravan.balance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.routing.RoutePolicy;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientLimiterTest {

    private static final InetSocketAddress CLIENT = new InetSocketAddress("192.0.2.7", 40000);

    /** As ingress-nginx's {@code limit_req burst=rate*5 nodelay}: rate × 5 more than the first, at once. */
    @Test
    void aRateLetsRateTimesTheMultiplierThroughAtOnceThenOneAnInterval() {
        ClientLimiter perSecond = new ClientLimiter(new RoutePolicy.RateLimit(5, 0, 0, 5, List.of(), 0, 0));
        assertThat(admittedAtOnce(perSecond, 0, 100)).isEqualTo(26);
        // a fifth of a second later, room for one more
        assertThat(admittedAtOnce(perSecond, 200_000_000L, 100)).isEqualTo(1);

        ClientLimiter perMinute = new ClientLimiter(new RoutePolicy.RateLimit(0, 60, 0, 5, List.of(), 0, 0));
        assertThat(admittedAtOnce(perMinute, 0, 1000)).isEqualTo(301);
        assertThat(admittedAtOnce(perMinute, 1_000_000_000L, 1000)).isEqualTo(1);

        ClientLimiter single = new ClientLimiter(new RoutePolicy.RateLimit(3, 0, 0, 1, List.of(), 0, 0));
        assertThat(admittedAtOnce(single, 0, 100)).isEqualTo(4);
    }

    private static int admittedAtOnce(ClientLimiter limiter, long nowNanos, int tries) {
        int admitted = 0;
        for (int i = 0; i < tries; i++) {
            if (limiter.acquire(CLIENT, nowNanos) == ClientLimiter.Refusal.NONE) {
                limiter.release(CLIENT);
                admitted++;
            }
        }
        return admitted;
    }
}

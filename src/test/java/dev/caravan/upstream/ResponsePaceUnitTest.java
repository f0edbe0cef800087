package dev.caravan.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ResponsePaceUnitTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void theBodyWaitsUntilThePaceCatchesUpWithASecondsCreditAsNginxCounts() {
        ResponsePace pace = new ResponsePace(1000, 500);
        assertThat(pace.delayNanos(500, 0)).as("within limit-rate-after").isZero();
        assertThat(pace.delayNanos(1500, 0)).as("a second's worth: the credit").isZero();
        // 3,000 bytes beyond the first 500, at 1,000 bytes a second, one of them credit: due 2 s after the start
        assertThat(pace.delayNanos(3500, 0)).isEqualTo(2 * SECOND);
        assertThat(pace.delayNanos(3500, SECOND / 2)).isEqualTo(3 * SECOND / 2);
        assertThat(pace.delayNanos(3500, 3 * SECOND)).isZero();
        // the slowest pace an annotation can ask (1 KiB/s) and a terabyte: a long wait, never a negative one
        assertThat(new ResponsePace(1024, 0).delayNanos(1L << 40, 0)).isGreaterThan(1_000_000 * SECOND);
    }

    @Test
    void whatMayGoNowIsWhatTheDelayAllowsAndLowRatesAreCutFinely() {
        ResponsePace pace = new ResponsePace(1000, 500);
        assertThat(pace.allowed(0, 0)).as("limit-rate-after and a second's credit").isEqualTo(1500);
        assertThat(pace.allowed(1500, 0)).isZero();
        assertThat(pace.allowed(1500, SECOND / 2)).isEqualTo(500);
        assertThat(pace.allowed(5000, SECOND)).as("ahead of the pace: nothing, never less").isZero();
        for (long sent = 0; sent < 5000; sent += 250) {
            for (long elapsed = 0; elapsed < 4 * SECOND; elapsed += SECOND / 8) {
                long allowed = pace.allowed(sent, elapsed);
                if (allowed > 0) {
                    assertThat(pace.delayNanos(sent + allowed, elapsed)).isZero();
                }
                assertThat(pace.delayNanos(sent + allowed + 1, elapsed)).isPositive();
            }
        }
        assertThat(new ResponsePace(1024, 0).quantum()).isEqualTo(1024);
        assertThat(new ResponsePace(10 << 20, 0).quantum()).as("a twentieth of a second's").isEqualTo((10 << 20) / 20);
    }
}

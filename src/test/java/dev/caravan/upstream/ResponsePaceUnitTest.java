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
}

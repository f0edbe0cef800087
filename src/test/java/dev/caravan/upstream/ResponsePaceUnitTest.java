package dev.caravan.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ResponsePaceUnitTest {

    @Test
    void theBodyIsHeldUntilThePaceCatchesUpWithWhatWentBeyondTheFirstBytes() {
        ResponsePace pace = new ResponsePace(1000, 500);
        assertThat(pace.delayNanos(500, 0)).isZero();
        // 1,000 bytes beyond the first 500, at 1,000 bytes a second: due a second after pacing began
        assertThat(pace.delayNanos(1500, 0)).isEqualTo(1_000_000_000L);
        assertThat(pace.delayNanos(1500, 400_000_000L)).isEqualTo(600_000_000L);
        assertThat(pace.delayNanos(1500, 2_000_000_000L)).isZero();
        // a terabyte does not overflow
        assertThat(new ResponsePace(1, 0).delayNanos(1L << 40, 0)).isPositive();
    }
}

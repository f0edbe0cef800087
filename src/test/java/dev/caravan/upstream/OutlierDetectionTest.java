package dev.caravan.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.routing.Backend;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Passive ejection: consecutive failures eject, a success clears, a backend is never emptied, ejections end. */
class OutlierDetectionTest {

    private static final InetSocketAddress A = new InetSocketAddress("10.0.0.1", 80);
    private static final InetSocketAddress B = new InetSocketAddress("10.0.0.2", 80);
    private static final Backend BACKEND = new Backend("default/web:80", List.of(A, B));

    @Test
    void consecutiveFailuresEjectAndASuccessClears() {
        OutlierDetection outliers = new OutlierDetection(3, 60_000_000_000L);
        outliers.failed(A);
        outliers.failed(A);
        outliers.succeeded(A);
        outliers.failed(A);
        outliers.failed(A);
        assertThat(outliers.isEjected(A)).as("the count restarted after the success").isFalse();
        outliers.failed(A);
        assertThat(outliers.isEjected(A)).isTrue();
        assertThat(outliers.ejections()).isEqualTo(1);
        List<InetSocketAddress> avoided = new ArrayList<>();
        outliers.addEjectedOf(BACKEND, avoided);
        assertThat(avoided).containsExactly(A);
    }

    @Test
    void aBackendIsNeverEmptied() {
        OutlierDetection outliers = new OutlierDetection(1, 60_000_000_000L);
        outliers.failed(A);
        outliers.failed(B);
        assertThat(outliers.ejected()).containsExactlyInAnyOrder(A, B);
        List<InetSocketAddress> avoided = new ArrayList<>();
        outliers.addEjectedOf(BACKEND, avoided);
        assertThat(avoided).isEmpty();
    }

    @Test
    void anEjectionEnds() throws Exception {
        OutlierDetection outliers = new OutlierDetection(1, 50_000_000L);
        outliers.failed(A);
        assertThat(outliers.isEjected(A)).isTrue();
        Thread.sleep(100);
        assertThat(outliers.isEjected(A)).isFalse();
    }

    @Test
    void zeroFailuresToEjectTurnsItOff() {
        OutlierDetection outliers = new OutlierDetection(0, 60_000_000_000L);
        for (int i = 0; i < 10; i++) {
            outliers.failed(A);
        }
        assertThat(outliers.isEjected(A)).isFalse();
    }
}

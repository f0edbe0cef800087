package dev.caravan.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.RawHttp;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What comes to the HTTPS port before a handshake: plain HTTP at its own pace, and silence. */
class TlsPortSnifferTest {

    @TempDir
    Path manifests;

    @Test
    void aSlowPlainHttpClientIsAnsweredAndASilentClientIsClosedAfterTheHandshakeTimeout() throws Exception {
        try (CaravanHarness caravan = CaravanHarness.start(manifests)) {
            String timeout = "reason=\"timeout\"";
            double before = caravan.metric("caravan_tls_handshake_failures_total", timeout);
            try (RawHttp slow = new RawHttp(caravan.httpsPort(), 30_000);
                    RawHttp silent = new RawHttp(caravan.httpsPort(), 30_000)) {
                slow.send("GET /x HTTP/1.1\r\n");
                // past the 10 s a handshake may take: plain HTTP has the header timeout (60 s) instead
                Thread.sleep(11_000);
                assertThat(silent.closedByPeer()).isTrue();
                slow.send("Host: localhost\r\n\r\n");
                RawHttp.Response answer = slow.read(false);
                assertThat(answer.status()).isEqualTo(400);
                assertThat(answer.text()).contains("plain HTTP request was sent to the HTTPS port");
            }
            assertThat(caravan.metric("caravan_tls_handshake_failures_total", timeout)).isEqualTo(before + 1);
        }
    }
}

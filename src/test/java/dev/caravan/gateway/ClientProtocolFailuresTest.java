package dev.caravan.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.gateway.ClientProtocolFailures.HandshakeFailure;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.channels.ClosedChannelException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** Why a client's TLS handshake failed, told from what Netty, BoringSSL and the JDK throw. */
class ClientProtocolFailuresTest {

    private static Throwable openssl(String reason) {
        return new DecoderException(new SSLHandshakeException("error:10000000:SSL routines:OPENSSL_internal:" + reason));
    }

    @Test
    void boringSslReasonsAreGroupedIntoAFewLabels() {
        assertThat(ClientProtocolFailures.classify(openssl("UNSUPPORTED_PROTOCOL"))).isEqualTo(HandshakeFailure.PROTOCOL_VERSION);
        assertThat(ClientProtocolFailures.classify(openssl("TLSV1_ALERT_PROTOCOL_VERSION")))
                .isEqualTo(HandshakeFailure.PROTOCOL_VERSION);
        assertThat(ClientProtocolFailures.classify(openssl("NO_SHARED_CIPHER"))).isEqualTo(HandshakeFailure.NO_SHARED_CIPHER);
        assertThat(ClientProtocolFailures.classify(openssl("TLSV1_ALERT_UNKNOWN_CA")))
                .isEqualTo(HandshakeFailure.CERTIFICATE_REFUSED);
        assertThat(ClientProtocolFailures.classify(openssl("SSLV3_ALERT_CERTIFICATE_EXPIRED")))
                .isEqualTo(HandshakeFailure.CERTIFICATE_REFUSED);
        // a reason of no group, however many there are, is one label
        assertThat(ClientProtocolFailures.classify(openssl("DECODE_ERROR"))).isEqualTo(HandshakeFailure.OTHER);
    }

    @Test
    void theJdksAlertsAndNettysOwnFailuresAreToldToo() {
        assertThat(ClientProtocolFailures.classify(new SSLHandshakeException("Received fatal alert: certificate_unknown")))
                .isEqualTo(HandshakeFailure.CERTIFICATE_REFUSED);
        assertThat(ClientProtocolFailures.classify(new SSLHandshakeException("no cipher suites in common")))
                .isEqualTo(HandshakeFailure.NO_SHARED_CIPHER);
        assertThat(ClientProtocolFailures.classify(new SSLHandshakeException("The client supported protocol versions"
                + " [TLSv1] are not accepted by server preferences [TLS13, TLS12]")))
                .isEqualTo(HandshakeFailure.PROTOCOL_VERSION);
        assertThat(ClientProtocolFailures.classify(new SslHandshakeTimeoutException("handshake timed out after 10000ms")))
                .isEqualTo(HandshakeFailure.TIMEOUT);
        assertThat(ClientProtocolFailures.classify(new NotSslRecordException("not an SSL/TLS record: 00")))
                .isEqualTo(HandshakeFailure.NOT_TLS);
        assertThat(ClientProtocolFailures.classify(new ClosedChannelException())).isEqualTo(HandshakeFailure.CLOSED);
        assertThat(ClientProtocolFailures.classify(new SSLHandshakeException(
                "Connection closed while SSL/TLS handshake was in progress"))).isEqualTo(HandshakeFailure.CLOSED);
        assertThat(ClientProtocolFailures.classify(new IllegalStateException())).isEqualTo(HandshakeFailure.OTHER);
    }
}

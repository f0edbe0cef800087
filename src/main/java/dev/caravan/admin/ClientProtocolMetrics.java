package dev.caravan.admin;

import dev.caravan.gateway.ClientProtocolFailures;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.netty.handler.codec.http2.Http2Error;

/**
 * {@code caravan_tls_handshake_failures_total{reason}} and {@code caravan_http2_connection_errors_total{code}}: what
 * clients fail before a request is made, which no access-log line shows. Both label sets are fixed lists.
 */
public final class ClientProtocolMetrics {

    private ClientProtocolMetrics() {
    }

    /** @param common the labels of every series (the controller's) */
    public static void register(MeterRegistry registry, Tags common, ClientProtocolFailures failures) {
        for (ClientProtocolFailures.HandshakeFailure reason : ClientProtocolFailures.HandshakeFailure.values()) {
            FunctionCounter.builder("caravan.tls.handshake.failures", failures, f -> f.handshakeFailures(reason))
                    .tags(common).tag("reason", reason.label())
                    .description("TLS handshakes of clients that failed, by why").register(registry);
        }
        for (Http2Error code : Http2Error.values()) {
            if (code == Http2Error.NO_ERROR) {
                continue;
            }
            FunctionCounter.builder("caravan.http2.connection.errors", failures, f -> f.http2ConnectionErrors(code))
                    .tags(common).tag("code", code.name())
                    .description("HTTP/2 client connections ended for a protocol error, by its code").register(registry);
        }
    }
}

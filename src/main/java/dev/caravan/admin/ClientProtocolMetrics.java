package dev.caravan.admin;

import dev.caravan.gateway.ClientProtocolFailures;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.netty.handler.codec.http2.Http2Error;

/**
 * {@code caravan_tls_handshake_failures_total{reason}}, {@code caravan_http2_connection_errors_total{code}} and
 * {@code caravan_http2_stream_resets_total{code}}: what clients fail before a request is made, or on a stream, which
 * no access-log line shows. The label sets are fixed lists.
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
        for (Http2Error code : Http2Error.values()) {
            resets(registry, common, failures, code, code.name());
        }
        resets(registry, common, failures, null, "OTHER");
    }

    private static void resets(MeterRegistry registry, Tags common, ClientProtocolFailures failures, Http2Error code,
            String label) {
        FunctionCounter.builder("caravan.http2.stream.resets", failures, f -> f.http2StreamResets(code))
                .tags(common).tag("code", label)
                .description("RST_STREAM frames sent to HTTP/2 clients, by code: streams ended before their end")
                .register(registry);
    }
}

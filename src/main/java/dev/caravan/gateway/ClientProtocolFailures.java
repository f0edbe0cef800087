package dev.caravan.gateway;

import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Counts what clients get wrong below HTTP requests, which no access-log line shows: TLS handshakes that fail, by a
 * reason of a few, and the HTTP/2 connection errors Caravan ends connections with, by their code. A certificate
 * clients distrust or a protocol version they lack shows here first. The reasons are a fixed set, so the metrics'
 * label sets are bounded whatever clients send.
 */
public final class ClientProtocolFailures {

    /** Why a handshake failed. */
    public enum HandshakeFailure {
        /** No handshake within the timeout. */
        TIMEOUT,
        /** Bytes that are no TLS record (plain HTTP is answered 400 instead, and not counted). */
        NOT_TLS,
        /** A ClientHello over the size allowed. */
        CLIENT_HELLO_TOO_LONG,
        /** The client closed the connection mid-handshake. */
        CLOSED,
        /** No TLS version both sides speak. */
        PROTOCOL_VERSION,
        /** No cipher suite both sides have. */
        NO_SHARED_CIPHER,
        /** The client refused the certificate served (unknown CA, expired, wrong name). */
        CERTIFICATE_REFUSED,
        /** Anything else. */
        OTHER;

        /** As a metric label. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** OpenSSL's reason code, last in its messages ("error:...:SSL routines:OPENSSL_internal:NO_SHARED_CIPHER"). */
    private static final Pattern OPENSSL_REASON = Pattern.compile(":([A-Z0-9_]+)$");
    /** The JDK's provider names the alert a client sent ("Received fatal alert: certificate_unknown"). */
    private static final Pattern JDK_ALERT = Pattern.compile("Received fatal alert: ([a-z_]+)");

    private final LongAdder[] handshakes = adders(HandshakeFailure.values().length);
    private final LongAdder[] http2 = adders(Http2Error.values().length);
    private final LongAdder[] resets = adders(Http2Error.values().length + 1);

    private static LongAdder[] adders(int count) {
        LongAdder[] adders = new LongAdder[count];
        for (int i = 0; i < count; i++) {
            adders[i] = new LongAdder();
        }
        return adders;
    }

    void handshakeFailed(Throwable cause) {
        handshakes[classify(cause).ordinal()].increment();
    }

    void http2ConnectionError(Http2Error code) {
        http2[code.ordinal()].increment();
    }

    /** A RST_STREAM sent to a client, with this code (one HTTP/2 does not define counts apart). */
    void http2StreamReset(long code) {
        Http2Error error = Http2Error.valueOf(code);
        resets[error == null ? Http2Error.values().length : error.ordinal()].increment();
    }

    public long handshakeFailures(HandshakeFailure reason) {
        return handshakes[reason.ordinal()].sum();
    }

    public long http2ConnectionErrors(Http2Error code) {
        return http2[code.ordinal()].sum();
    }

    /** RST_STREAMs sent to clients with {@code code}, or with a code HTTP/2 does not define when {@code null}. */
    public long http2StreamResets(Http2Error code) {
        return resets[code == null ? Http2Error.values().length : code.ordinal()].sum();
    }

    /** Why a handshake failed, from its exception: the first cause in the chain that tells. */
    static HandshakeFailure classify(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SslHandshakeTimeoutException) {
                return HandshakeFailure.TIMEOUT;
            }
            if (cause instanceof NotSslRecordException) {
                return HandshakeFailure.NOT_TLS;
            }
            if (cause instanceof TooLongFrameException) {
                return HandshakeFailure.CLIENT_HELLO_TOO_LONG;
            }
            if (cause instanceof ClosedChannelException) {
                return HandshakeFailure.CLOSED;
            }
            HandshakeFailure told = fromMessage(cause.getMessage());
            if (told != null) {
                return told;
            }
        }
        return HandshakeFailure.OTHER;
    }

    private static HandshakeFailure fromMessage(String message) {
        if (message == null) {
            return null;
        }
        Matcher openssl = OPENSSL_REASON.matcher(message);
        if (openssl.find()) {
            return fromCode(openssl.group(1).toLowerCase(Locale.ROOT));
        }
        Matcher jdk = JDK_ALERT.matcher(message);
        if (jdk.find()) {
            return fromCode(jdk.group(1));
        }
        // the JDK's provider, when OpenSSL is not there, says it in words
        if (message.contains("no cipher suites in common")) {
            return HandshakeFailure.NO_SHARED_CIPHER;
        }
        if (message.contains("No appropriate protocol") || message.contains("protocol versions")
                || message.contains("is not enabled or supported")) {
            return HandshakeFailure.PROTOCOL_VERSION;
        }
        // Netty's SslHandler, when the peer goes mid-handshake
        return message.contains("closed while SSL/TLS handshake") ? HandshakeFailure.CLOSED : null;
    }

    private static HandshakeFailure fromCode(String code) {
        if (code.contains("protocol_version") || code.equals("unsupported_protocol")
                || code.equals("wrong_version_number")) {
            return HandshakeFailure.PROTOCOL_VERSION;
        }
        if (code.equals("no_shared_cipher") || code.equals("no_ciphers_available")
                || code.equals("no_cipher_match")) {
            return HandshakeFailure.NO_SHARED_CIPHER;
        }
        if (code.contains("unknown_ca") || code.contains("bad_certificate") || code.contains("certificate_unknown")
                || code.contains("certificate_expired") || code.contains("certificate_revoked")
                || code.contains("unsupported_certificate")) {
            return HandshakeFailure.CERTIFICATE_REFUSED;
        }
        return HandshakeFailure.OTHER;
    }
}

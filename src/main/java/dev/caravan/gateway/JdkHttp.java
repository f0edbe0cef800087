package dev.caravan.gateway;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.CompletionException;
import javax.net.ssl.SSLException;

/** What the side calls made with the JDK's HTTP client (auth-url, mirror-target) share in how they use it. */
final class JdkHttp {

    private JdkHttp() {
    }

    /**
     * A request without a body: GET and DELETE without {@code Content-Length: 0} (from Java 19 on), which nginx does
     * not send and strict front ends of auth services refuse.
     */
    static HttpRequest.Builder bodiless(HttpRequest.Builder request, String method) {
        return switch (method) {
            case "GET" -> request.GET();
            case "DELETE" -> request.DELETE();
            default -> request.method(method, HttpRequest.BodyPublishers.noBody());
        };
    }

    /**
     * The request's Host, as nginx's {@code proxy_set_header Host}: the JDK's client lets it be set only with
     * {@code jdk.httpclient.allowRestrictedHeaders=host}, which Caravan's main sets; without it, the URL's host goes,
     * with its port.
     */
    static void host(HttpRequest.Builder request, String host) {
        try {
            request.setHeader("Host", host);
        } catch (IllegalArgumentException restricted) {
            // what the JDK's client sends when it is not told
        }
    }

    /** What went wrong with a call, in a few words: the client's wrappers left out. */
    static String why(Throwable failure) {
        // what is most telling first, wherever it is in the chain: the JDK wraps a failed handshake in a ConnectException
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SSLException) {
                return "TLS: " + cause.getMessage();
            }
            if (cause instanceof UnknownHostException || cause instanceof UnresolvedAddressException) {
                return "unknown host";
            }
        }
        Throwable said = null;
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ConnectException) {
                return "cannot connect";
            }
            if (cause instanceof HttpTimeoutException) {
                return "timed out";
            }
            if (!(cause instanceof CompletionException) && said == null) {
                said = cause;
            }
        }
        Throwable shown = said == null ? failure : said;
        return shown.getMessage() == null || shown.getMessage().isBlank() ? shown.getClass().getSimpleName()
                : shown.getClass().getSimpleName() + ": " + shown.getMessage();
    }
}

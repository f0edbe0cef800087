package dev.caravan.routing;

import java.util.Locale;
import java.util.Set;

/**
 * Which request headers a check (an interceptor route, an auth service's answer) may set or remove before a
 * request goes on: not the ones that frame the request or its connection, which would desynchronise the
 * pod's connection from the client's (request smuggling), and not Camel's or Caravan's own.
 */
public final class SettableHeaders {

    private static final Set<String> FRAMING = Set.of("content-length", "transfer-encoding", "connection",
            "keep-alive", "proxy-connection", "upgrade", "te", "trailer", "host", "expect");

    private SettableHeaders() {
    }

    public static boolean settable(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return !internal(lower) && !FRAMING.contains(lower);
    }

    /** Camel's headers and Caravan's ({@code camel*}, {@code org.apache.camel*}, {@code caravan*}). */
    public static boolean internal(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.startsWith("camel") || lower.startsWith("org.apache.camel") || lower.startsWith("caravan");
    }
}

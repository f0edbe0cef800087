package dev.caravan.gateway;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import java.util.List;
import java.util.Set;

/**
 * The cookies an auth service ({@code auth-url}) set for the client, as ingress-nginx sends them with
 * {@code add_header Set-Cookie $auth_cookie}: with a response of a success or redirect status, or with any
 * under {@code auth-always-set-cookie}.
 *
 * @param values {@code Set-Cookie} values, each sent as a header of its own
 */
record AuthCookies(List<String> values, boolean always) {

    /** The statuses nginx's {@code add_header} adds to without {@code always}. */
    private static final Set<Integer> ADDED_TO = Set.of(200, 201, 204, 206, 301, 302, 303, 304, 307, 308);

    AuthCookies {
        values = List.copyOf(values);
    }

    void addTo(HttpResponse response) {
        if (always || ADDED_TO.contains(response.status().code())) {
            response.headers().add(HttpHeaderNames.SET_COOKIE, values);
        }
    }
}

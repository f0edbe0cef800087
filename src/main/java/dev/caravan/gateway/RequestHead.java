package dev.caravan.gateway;

import dev.caravan.routing.ObjectRef;
import io.netty.handler.codec.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * A request's head as a {@link RequestCheck} sees it, copied on the event loop before the check runs
 * elsewhere.
 *
 * @param uri       the request target as sent
 * @param path      the normalized path
 * @param host      the validated host name the request was routed by
 * @param authority the Host header as sent (host and port)
 * @param client    the client's IP address
 * @param ingress   the Ingress whose rule matched
 * @param timeout   how long the check may take (the route's proxy-read-timeout)
 * @param hostChosenByClient whether the rule matched has no host, so that {@code host} is whatever the client sent
 * @param waiting   whether the client still waits for the answer: work for a client gone is skipped
 */
record RequestHead(String method, String uri, String path, String scheme, String host, String authority,
        List<Map.Entry<String, String>> headers, String client, ObjectRef ingress, Duration timeout,
        boolean hostChosenByClient, BooleanSupplier waiting) {

    static RequestHead of(HttpRequest request, RequestTarget target, String path, String scheme, String client,
            ObjectRef ingress, Duration timeout, boolean hostChosenByClient, BooleanSupplier waiting) {
        return new RequestHead(request.method().name(), request.uri(), path, scheme, target.host(),
                target.authority(), request.headers().entries(), client, ingress, timeout, hostChosenByClient,
                waiting);
    }
}

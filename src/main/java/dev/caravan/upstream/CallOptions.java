package dev.caravan.upstream;

import java.time.Duration;
import java.util.Set;

/**
 * How one request is proxied, from its route's policy or the global settings.
 *
 * @param maxBodySize    the largest request body in bytes; 0 for no limit
 * @param connectTimeout to connect to a pod
 * @param readTimeout    a pod's silence while answering
 * @param sendTimeout    how long a pod may take no more of the request body
 * @param tls            how the pod is spoken to in HTTPS ({@code backend-protocol: HTTPS}), or {@code null}
 *                       for plain HTTP
 * @param nextUpstream   when another pod is tried
 * @param interceptedStatuses the pod's statuses replaced by an error page ({@code custom-http-errors})
 * @param http2          whether the pod is spoken to in HTTP/2 ({@code backend-protocol: GRPC}), one stream per request
 * @param maxResponseHead the largest response head an HTTP/1.1 pod may send, in bytes
 * @param responsePace   how fast the response's body goes to the client ({@code limit-rate}), or {@code null}
 */
public record CallOptions(long maxBodySize, Duration connectTimeout, Duration readTimeout, Duration sendTimeout,
        UpstreamTls tls, NextUpstream nextUpstream, Set<Integer> interceptedStatuses, boolean http2,
        int maxResponseHead, ResponsePace responsePace) {

    public CallOptions {
        interceptedStatuses = Set.copyOf(interceptedStatuses);
    }
}

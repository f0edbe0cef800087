package dev.caravan.upstream;

import java.time.Duration;

/**
 * How one request is proxied, from its route's policy or the global settings.
 *
 * @param maxBodySize    the largest request body in bytes; 0 for no limit
 * @param connectTimeout to connect to a pod
 * @param readTimeout    a pod's silence while answering
 * @param sendTimeout    how long a pod may take no more of the request body
 * @param tls            whether the pod speaks HTTPS ({@code backend-protocol: HTTPS})
 * @param nextUpstream   when another pod is tried
 */
public record CallOptions(long maxBodySize, Duration connectTimeout, Duration readTimeout, Duration sendTimeout,
        boolean tls,
        NextUpstream nextUpstream) {
}

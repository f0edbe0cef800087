package dev.caravan.upstream;

import java.time.Duration;

/**
 * The limits of one proxied request, from its route's policy or the global settings.
 *
 * @param maxBodySize    the largest request body in bytes; 0 for no limit
 * @param connectTimeout to connect to a pod
 * @param readTimeout    a pod's silence while answering
 */
public record CallLimits(long maxBodySize, Duration connectTimeout, Duration readTimeout) {
}

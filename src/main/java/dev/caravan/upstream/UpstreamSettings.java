package dev.caravan.upstream;

import java.time.Duration;

/**
 * How Caravan talks to pods; defaults follow ingress-nginx's ConfigMap defaults.
 *
 * @param connectTimeout      to establish a connection (ingress-nginx {@code proxy-connect-timeout}, 5 s)
 * @param readTimeout         between two reads of a response (ingress-nginx {@code proxy-read-timeout}, 60 s)
 * @param sendTimeout         between two writes of a request body (ingress-nginx {@code proxy-send-timeout}, 60 s)
 * @param idleTimeout         how long a pooled keep-alive connection may stay unused before it is closed
 * @param maxIdlePerEndpoint  pooled connections kept per endpoint and event loop: 128, as many per core as when
 *                            there were two loops per core with 64 each (ingress-nginx: 320 per worker)
 */
public record UpstreamSettings(Duration connectTimeout, Duration readTimeout, Duration sendTimeout,
        Duration idleTimeout, int maxIdlePerEndpoint) {

    public static UpstreamSettings defaults() {
        return new UpstreamSettings(Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofSeconds(60),
                Duration.ofSeconds(30), 128);
    }
}

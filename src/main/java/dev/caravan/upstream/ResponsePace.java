package dev.caravan.upstream;

/**
 * nginx's {@code limit_rate} and {@code limit_rate_after} for a route ({@code limit-rate}, {@code limit-rate-after}):
 * beyond its first {@code after} bytes, a response's body goes to the client at {@code bytesPerSecond}, counted as
 * nginx's write filter counts it, from the request's start with a second's worth of credit. Each response is paced
 * on its own, as nginx paces each request.
 */
public record ResponsePace(long bytesPerSecond, long after) {

    private static final double SECOND = 1e9;

    /**
     * How long the body's first {@code sent} bytes must wait before they have all gone to the client, in nanoseconds,
     * {@code elapsedNanos} after the request began; 0 when the pace allows them at once.
     */
    long delayNanos(long sent, long elapsedNanos) {
        if (sent <= after) {
            return 0;
        }
        double wait = (sent - after) * SECOND / bytesPerSecond - SECOND - elapsedNanos;
        return wait <= 0 ? 0 : (long) Math.min(wait, Long.MAX_VALUE / 2.0);
    }

    /** How many bytes of the body may go beyond its first {@code sent}, {@code elapsedNanos} after the request began. */
    long allowed(long sent, long elapsedNanos) {
        double may = after + (elapsedNanos + SECOND) / SECOND * bytesPerSecond;
        return Math.max(0, (long) Math.min(may, Long.MAX_VALUE / 2.0) - sent);
    }

    /**
     * The least a paced piece is cut to, so that a low rate sends steadily rather than a whole piece after a silence,
     * and a high one does not wake for every few bytes: a twentieth of a second's worth, at least 1 KiB.
     */
    long quantum() {
        return Math.max(1024, bytesPerSecond / 20);
    }
}

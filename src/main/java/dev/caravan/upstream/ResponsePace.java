package dev.caravan.upstream;

/**
 * nginx's {@code limit_rate} and {@code limit_rate_after} for a route ({@code limit-rate}, {@code limit-rate-after}):
 * once the first {@code after} bytes of a response's body have gone to the client, the rest goes at most
 * {@code bytesPerSecond}. Each response is paced on its own, as nginx paces each request.
 */
public record ResponsePace(long bytesPerSecond, long after) {

    /**
     * How long to hold the rest of the body, in nanoseconds, once {@code sent} bytes of it have gone out and
     * {@code pacedNanos} have passed since the first byte beyond {@code after}; 0 when it may go on at once.
     */
    long delayNanos(long sent, long pacedNanos) {
        if (sent <= after) {
            return 0;
        }
        long due = (long) ((sent - after) * 1e9 / bytesPerSecond);
        return Math.max(0, due - pacedNanos);
    }
}

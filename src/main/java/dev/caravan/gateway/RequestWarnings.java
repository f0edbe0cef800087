package dev.caravan.gateway;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warnings about single requests (a 502, a response cut short), at most a few per second: when a pod
 * is down every request fails, and the log must tell it without a line per request. What is left out
 * is counted and said once the next second begins.
 */
final class RequestWarnings {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayHandler.class);
    private static final int PER_SECOND = 10;

    private static final AtomicLong second = new AtomicLong();
    private static final AtomicInteger written = new AtomicInteger();
    private static final AtomicInteger suppressed = new AtomicInteger();

    private RequestWarnings() {
    }

    static void warn(String format, Object... arguments) {
        long now = System.nanoTime() / 1_000_000_000L;
        long current = second.get();
        if (now != current && second.compareAndSet(current, now)) {
            written.set(0);
            int left = suppressed.getAndSet(0);
            if (left > 0) {
                LOG.warn("{} more request warnings like these in the last second were not logged", left);
            }
        }
        if (written.incrementAndGet() <= PER_SECOND) {
            LOG.warn(format, arguments);
        } else {
            suppressed.incrementAndGet();
        }
    }
}

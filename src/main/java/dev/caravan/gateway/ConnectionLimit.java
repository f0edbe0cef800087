package dev.caravan.gateway;

import io.netty.channel.Channel;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code --max-connections}: client connections open at once, over all listeners. A connection beyond
 * the limit is closed as soon as it is accepted, before anything is read from it.
 */
public final class ConnectionLimit {

    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();

    /** @param max the most open at once; 0 for no limit */
    public ConnectionLimit(int max) {
        this.max = max;
    }

    /** Counts a new connection in, or refuses it (closing it) when the limit is reached. */
    boolean admit(Channel channel) {
        if (open.incrementAndGet() > max && max > 0) {
            open.decrementAndGet();
            refused.incrementAndGet();
            channel.close();
            return false;
        }
        channel.closeFuture().addListener(closed -> open.decrementAndGet());
        return true;
    }

    public int open() {
        return open.get();
    }

    public long refused() {
        return refused.get();
    }
}

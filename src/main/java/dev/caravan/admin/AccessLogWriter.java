package dev.caravan.admin;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes batches of access-log lines from the event loops and writes them from a thread of its own, at most
 * once per {@code interval}. While traffic flows the thread sleeps between writes and nobody wakes it, so
 * handing over a batch costs an event loop a queue insert and no system call; an idle writer waits for the
 * next batch and is woken once. The queue is bounded: when the sink falls behind, batches are dropped and
 * counted rather than an event loop held up or memory filled.
 */
final class AccessLogWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AccessLogWriter.class);

    /** A batch builder grown past this by a burst is let go rather than used again. */
    static final int KEPT_BUILDER = 64 * 1024;
    /** Builders written out, for the event loops' next batches: no new text per batch, no copy to hand one over. */
    private static final int RECYCLED = 32;

    private final BlockingQueue<CharSequence> batches;
    private final BlockingQueue<StringBuilder> recycled = new ArrayBlockingQueue<>(RECYCLED);
    private final Consumer<CharSequence> sink;
    private final long intervalNanos;
    private final LongAdder dropped = new LongAdder();
    private final Thread thread;
    private volatile boolean closing;

    /**
     * @param capacity batches held at most; each is one event-loop pass's lines
     * @param sink takes the text of one write, lines separated by newlines, on the writer thread; the text is
     *             the writer's buffer, valid until the sink returns
     */
    AccessLogWriter(int capacity, Duration interval, Consumer<CharSequence> sink) {
        this.batches = new ArrayBlockingQueue<>(capacity);
        this.sink = sink;
        this.intervalNanos = interval.toNanos();
        this.thread = new Thread(this::run, "caravan-access-log");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Hands over {@code batch}, {@code lines} lines; called on an event loop, never blocks. A builder handed over is
     * the writer's until it comes back from {@link #builder()}.
     *
     * @return whether it was taken; else its lines are dropped, and a builder stays the caller's
     */
    boolean offer(CharSequence batch, int lines) {
        if (!batches.offer(batch)) {
            dropped.add(lines);
            return false;
        }
        return true;
    }

    /** An empty builder for a batch: one written out already, or a new one. */
    StringBuilder builder() {
        StringBuilder builder = recycled.poll();
        return builder != null ? builder : new StringBuilder(4096);
    }

    /** Lines dropped because the sink fell behind. */
    long dropped() {
        return dropped.sum();
    }

    private void run() {
        List<CharSequence> taken = new ArrayList<>();
        StringBuilder text = new StringBuilder(8192);
        while (!closing) {
            try {
                taken.add(batches.take());
            } catch (InterruptedException closed) {
                break;
            }
            // while batches keep coming, write them every interval without waiting on the queue
            while (!taken.isEmpty()) {
                batches.drainTo(taken);
                write(taken, text);
                if (closing) {
                    break;
                }
                LockSupport.parkNanos(intervalNanos);
                batches.drainTo(taken);
            }
        }
        batches.drainTo(taken);
        write(taken, text);
    }

    private void write(List<CharSequence> taken, StringBuilder text) {
        if (taken.isEmpty()) {
            return;
        }
        for (int i = 0; i < taken.size(); i++) {
            if (i > 0) {
                text.append('\n');
            }
            CharSequence batch = taken.get(i);
            text.append(batch);
            if (batch instanceof StringBuilder builder && builder.capacity() <= KEPT_BUILDER) {
                builder.setLength(0);
                recycled.offer(builder);
            }
        }
        taken.clear();
        try {
            // the buffer itself, not a copy of it: one write carries 10 ms worth of lines
            sink.accept(text);
        } catch (RuntimeException e) {
            LOG.warn("Access log lines lost: {}", e.toString());
        }
        text.setLength(0);
        if (text.capacity() > 1 << 20) {
            text.trimToSize();
        }
    }

    /** Writes what is queued and stops the thread. */
    @Override
    public void close() {
        closing = true;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

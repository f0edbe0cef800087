package dev.caravan.source.kubernetes;

import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Kubernetes client's task executor: as many threads as there are tasks at once, like fabric8's default
 * cached pool, so a handler that blocks never holds up another; but a task goes to a thread that is idle
 * through a queue, not handed from thread to thread.
 *
 * <p>fabric8 delivers each informer event as its own task, the next submitted by the one before as it ends.
 * The cached pool's hand-off queue gives every such task to another thread, which must wake while the
 * submitting one spins and parks: at 30,000 listed objects, more CPU than handling them. Queued, the next
 * event is usually taken by the very thread that submitted it.
 */
final class ElasticThreadPool extends ThreadPoolExecutor {

    /** @param keepAlive how long a thread may wait for a task before it ends */
    ElasticThreadPool(ThreadFactory threads, Duration keepAlive) {
        super(0, Integer.MAX_VALUE, keepAlive.toNanos(), TimeUnit.NANOSECONDS, new IdleThreadQueue(), threads);
    }

    /** Threads waiting for a task that no queued task is promised to; for tests. */
    int idleThreads() {
        return ((IdleThreadQueue) getQueue()).idle.get();
    }

    /**
     * Takes a task only by promising it a waiting thread, so no task ever waits behind busy ones; with none to
     * promise, the offer is refused and the pool starts a thread for the task. A waiting thread whose keep-alive
     * ends leaves only if more threads wait than tasks were promised to them; otherwise it waits on for its task.
     */
    private static final class IdleThreadQueue extends LinkedBlockingQueue<Runnable> {

        /** Waiting threads minus the queued tasks promised to them: never negative. */
        private final AtomicInteger idle = new AtomicInteger();

        @Override
        public boolean offer(Runnable task) {
            return takeOne(idle) && super.offer(task);
        }

        @Override
        public Runnable poll(long timeout, TimeUnit unit) throws InterruptedException {
            idle.incrementAndGet();
            try {
                Runnable task = super.poll(timeout, unit);
                while (task == null) {
                    if (takeOne(idle)) {
                        return null; // no task is owed to the waiting threads beyond the others: leave
                    }
                    task = super.poll(timeout, unit);
                }
                return task;
            } catch (InterruptedException e) {
                takeOne(idle); // the pool is shutting down
                throw e;
            }
        }

        @Override
        public Runnable take() throws InterruptedException {
            return poll(Long.MAX_VALUE, TimeUnit.NANOSECONDS);
        }

        /** Decrements when positive; whether it did. */
        private static boolean takeOne(AtomicInteger count) {
            return count.getAndUpdate(n -> n > 0 ? n - 1 : n) > 0;
        }
    }
}

package dev.caravan.source.kubernetes;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
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
 * event is usually taken by the very thread that submitted it. A task waits in the queue only while a thread is
 * idle to take it, so the queue never holds more tasks than there are idle threads.
 */
final class ElasticThreadPool extends ThreadPoolExecutor {

    /** Tasks submitted and not yet finished, whether queued or running. */
    private final AtomicInteger unfinished = new AtomicInteger();

    ElasticThreadPool(ThreadFactory threads, long keepAliveSeconds) {
        super(0, Integer.MAX_VALUE, keepAliveSeconds, TimeUnit.SECONDS, new IdleThreadQueue(), threads);
        ((IdleThreadQueue) getQueue()).pool = this;
    }

    @Override
    public void execute(Runnable task) {
        unfinished.incrementAndGet();
        try {
            super.execute(task);
        } catch (RejectedExecutionException e) {
            unfinished.decrementAndGet();
            throw e;
        }
    }

    @Override
    protected void afterExecute(Runnable task, Throwable failure) {
        unfinished.decrementAndGet();
    }

    /** Whether some thread has no task of its own to run, counting the one being submitted. */
    private boolean threadIdle() {
        return unfinished.get() <= getPoolSize();
    }

    /**
     * Accepts a task only when a thread is idle to take it; refused, the pool starts a thread for it. Workers
     * take from it as from any blocking queue.
     */
    private static final class IdleThreadQueue extends LinkedBlockingQueue<Runnable> {

        private transient ElasticThreadPool pool;

        @Override
        public boolean offer(Runnable task) {
            return pool.threadIdle() && super.offer(task);
        }
    }
}

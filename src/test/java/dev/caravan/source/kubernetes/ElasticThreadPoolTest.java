package dev.caravan.source.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.utils.internal.SerialExecutor;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ElasticThreadPoolTest {

    private final ElasticThreadPool pool = new ElasticThreadPool(new DefaultThreadFactory("test-pool", true),
            Duration.ofSeconds(60));

    @AfterEach
    void stop() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void tasksThatBlockGetAThreadEachAndNeverHoldUpTheRest() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch blocked = new CountDownLatch(40);
        CountDownLatch finished = new CountDownLatch(40);
        for (int i = 0; i < 40; i++) {
            pool.execute(() -> {
                blocked.countDown();
                try {
                    release.await();
                    finished.countDown();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        // a pool of fewer threads would queue this behind the blocked tasks: they would wait for ever
        pool.execute(release::countDown);

        assertThat(finished.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(pool.getLargestPoolSize()).isEqualTo(41);
        assertThat(pool.getQueue()).isEmpty();
    }

    @Test
    void idleThreadsEndAfterTheirKeepAliveAndTheNextTaskStartsAnother() throws Exception {
        ElasticThreadPool brief = new ElasticThreadPool(new DefaultThreadFactory("test-brief", true),
                Duration.ofMillis(50));
        try {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch started = new CountDownLatch(3);
            for (int i = 0; i < 3; i++) {
                brief.execute(() -> {
                    started.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(brief.idleThreads()).isZero();
            release.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> brief.getPoolSize() == 0);
            assertThat(brief.idleThreads()).isZero();

            // no thread is left to promise it to: the task gets a thread of its own, which ends in its turn
            CountDownLatch ran = new CountDownLatch(1);
            brief.execute(ran::countDown);
            assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> brief.getPoolSize() == 0);
            assertThat(brief.idleThreads()).isZero();
            assertThat(brief.getQueue()).isEmpty();
        } finally {
            brief.shutdownNow();
        }
    }

    @Test
    void anInformersEventsRunInOrderMostlyOnTheThreadThatSubmittedThem() throws InterruptedException {
        // fabric8 submits each event of an informer through a SerialExecutor: the next as the last one ends
        SerialExecutor events = new SerialExecutor(pool);
        int count = 2000;
        List<Integer> order = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(count);
        for (int i = 0; i < count; i++) {
            int event = i;
            events.execute(() -> {
                order.add(event);
                threads.add(Thread.currentThread());
                done.countDown();
            });
        }

        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(order).isSorted().hasSize(count);
        int sameThread = 0;
        for (int i = 1; i < count; i++) {
            sameThread += threads.get(i) == threads.get(i - 1) ? 1 : 0;
        }
        // a hand-off pool (fabric8's default) runs every next event on another thread, never on the same one;
        // queued, the submitting thread takes nearly all (a thread woken first under load takes a few)
        assertThat(sameThread).isGreaterThan(count / 10);
        assertThat(pool.getQueue()).isEmpty();
    }
}

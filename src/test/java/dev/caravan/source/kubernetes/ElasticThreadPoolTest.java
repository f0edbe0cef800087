package dev.caravan.source.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.internal.SerialExecutor;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ElasticThreadPoolTest {

    private final ElasticThreadPool pool = new ElasticThreadPool(new DefaultThreadFactory("test-pool", true), 60);

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
        // a hand-off pool (fabric8's default) runs every next event on another thread: none on the same one
        assertThat(sameThread).isGreaterThan(count / 4);
        assertThat(pool.getQueue()).isEmpty();
    }
}

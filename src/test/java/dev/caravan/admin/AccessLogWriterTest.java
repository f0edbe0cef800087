package dev.caravan.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AccessLogWriterTest {

    @Test
    void everyLineOfEveryProducerIsWrittenOnceAndInTheProducersOrder() throws Exception {
        List<String> writes = new CopyOnWriteArrayList<>();
        List<Thread> producers = new ArrayList<>();
        // room for every batch, so that none is dropped however the threads are scheduled
        try (AccessLogWriter writer = new AccessLogWriter(600, Duration.ofMillis(2), text -> writes.add(text.toString()))) {
            for (int p = 0; p < 3; p++) {
                String name = "p" + p;
                Thread producer = new Thread(() -> {
                    for (int batch = 0; batch < 200; batch++) {
                        writer.offer(name + "-" + (2 * batch) + "\n" + name + "-" + (2 * batch + 1), 2);
                        if (batch % 20 == 0) {
                            sleep(3);
                        }
                    }
                });
                producer.start();
                producers.add(producer);
            }
            for (Thread producer : producers) {
                producer.join();
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> lines(writes).size() + 2 * writer.dropped() >= 1200);
            assertThat(writer.dropped()).isZero();
        }
        List<String> lines = lines(writes);
        assertThat(lines).hasSize(1200).doesNotHaveDuplicates();
        for (int p = 0; p < 3; p++) {
            String name = "p" + p;
            List<String> own = lines.stream().filter(line -> line.startsWith(name + "-")).toList();
            assertThat(own).hasSize(400);
            for (int i = 0; i < own.size(); i++) {
                assertThat(own.get(i)).isEqualTo(name + "-" + i);
            }
        }
        // lines that came together were written together, not one write per batch
        assertThat(writes.size()).isLessThan(600);
    }

    @Test
    void aBuilderHandedOverIsWrittenThenGivenBackEmptyForTheNextBatch() throws Exception {
        List<String> writes = new CopyOnWriteArrayList<>();
        try (AccessLogWriter writer = new AccessLogWriter(16, Duration.ofMillis(1), text -> writes.add(text.toString()))) {
            StringBuilder first = writer.builder();
            first.append("line one");
            assertThat(writer.offer(first, 1)).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> writes.contains("line one"));
            // the same builder, emptied: no new text per batch
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                StringBuilder next = writer.builder();
                return next == first && next.length() == 0;
            });
        }
    }

    @Test
    void aStalledSinkCostsDroppedLinesNotABlockedProducer() throws Exception {
        CountDownLatch stalled = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> writes = new CopyOnWriteArrayList<>();
        AccessLogWriter writer = new AccessLogWriter(4, Duration.ofMillis(1), text -> {
            writes.add(text.toString());
            stalled.countDown();
            hold(release);
        });
        writer.offer("first", 1);
        assertThat(stalled.await(5, TimeUnit.SECONDS)).isTrue();
        long started = System.nanoTime();
        for (int i = 0; i < 10; i++) {
            writer.offer("a\nb\nc", 3);
        }
        // the queue holds 4 batches; the other 6 are dropped, their 18 lines counted
        assertThat(writer.dropped()).isEqualTo(18);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
        release.countDown();
        writer.close();
        assertThat(lines(writes)).hasSize(1 + 4 * 3);
    }

    @Test
    void closingWritesWhatIsQueued() {
        List<String> writes = new CopyOnWriteArrayList<>();
        AccessLogWriter writer = new AccessLogWriter(16, Duration.ofSeconds(30), text -> writes.add(text.toString()));
        writer.offer("one", 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> !writes.isEmpty());
        // the writer now sleeps for its interval; these wait for it
        writer.offer("two", 1);
        writer.offer("three", 1);
        writer.close();
        assertThat(lines(writes)).containsExactly("one", "two", "three");
    }

    private static List<String> lines(List<String> writes) {
        return writes.stream().flatMap(text -> Arrays.stream(text.split("\n"))).toList();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void hold(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configuration changes while traffic flows: nothing dropped, and traffic follows within 2 seconds. */
class LiveChangesTest {

    private static final Duration PROPAGATION = Duration.ofSeconds(2);

    @TempDir
    Path manifests;
    TestBackend a;
    TestBackend b;
    CaravanHarness caravan;

    @BeforeEach
    void start() throws Exception {
        a = TestBackend.start("127.0.0.2", "a");
        b = TestBackend.start("127.0.0.3", "b");
        write(manifests, "class.yaml", Manifests.ingressClass());
        write(manifests, "services.yaml", Manifests.service("svc-a", a) + "---\n" + Manifests.service("svc-b", b));
        write(manifests, "ingress.yaml", Manifests.ingress("live", "live.example.com", "/", "svc-a"));
        caravan = CaravanHarness.start(manifests);
    }

    @AfterEach
    void stop() throws Exception {
        caravan.close();
        a.close();
        b.close();
    }

    @Test
    void editsWhileRequestsRunLoseNoRequest() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger served = new AtomicInteger();
        List<String> failures = new CopyOnWriteArrayList<>();
        ExecutorService clients = Executors.newFixedThreadPool(4);
        List<Future<?>> loops = new java.util.ArrayList<>();
        for (int c = 0; c < 4; c++) {
            boolean keepAlive = c % 2 == 0;
            loops.add(clients.submit(() -> {
                RawHttp connection = null;
                try {
                    while (running.get()) {
                        if (connection == null || !keepAlive) {
                            if (connection != null) {
                                connection.close();
                            }
                            connection = new RawHttp(caravan.httpPort());
                        }
                        connection.send("GET /x HTTP/1.1\r\nHost: live.example.com\r\n\r\n");
                        RawHttp.Response response = connection.read(false);
                        if (response.status() != 200) {
                            failures.add(response.statusLine());
                        }
                        served.incrementAndGet();
                    }
                    connection.close();
                } catch (Exception e) {
                    failures.add(e.toString());
                }
                return null;
            }));
        }
        for (int edit = 0; edit < 6; edit++) {
            String service = edit % 2 == 0 ? "svc-b" : "svc-a";
            caravan.write("ingress.yaml", Manifests.ingress("live", "live.example.com", "/", service));
            caravan.write("unrelated.yaml", Manifests.ingress("other" + edit, "other.example.com", "/", "svc-a"));
            Thread.sleep(1200);
        }
        running.set(false);
        for (Future<?> loop : loops) {
            loop.get(30, TimeUnit.SECONDS);
        }
        clients.shutdown();
        assertThat(failures).isEmpty();
        assertThat(served.get()).isGreaterThan(100);
        assertThat(a.seen()).isNotEmpty();
        assertThat(b.seen()).isNotEmpty();
    }

    @Test
    void trafficFollowsPodsAddedAndRemoved() throws Exception {
        caravan.write("services.yaml", Manifests.service("svc-a", a, b) + "---\n" + Manifests.service("svc-b", b));
        awaitWithin(PROPAGATION, "b");

        caravan.write("services.yaml", Manifests.service("svc-a", b) + "---\n" + Manifests.service("svc-b", b));
        awaitWithin(PROPAGATION, "b");
        // once the removal is in force, only the remaining pod answers
        Thread.sleep(1500);
        for (int i = 0; i < 10; i++) {
            assertThat(caravan.get("live.example.com", "/").text()).isEqualTo("b");
        }
    }

    @Test
    void aMalformedFileIsReportedAndTheGoodOnesKeepServing() throws Exception {
        caravan.write("broken.yaml", "apiVersion: v1\nkind: Service\nmetadata: [name: oops\n");
        // a good file broken by an edit keeps its last good content
        caravan.write("services.yaml", "apiVersion: v1\nkind: Service\nspec: {ports: [{port: \"eighty\"}]}\n");
        Thread.sleep(2500);
        for (int i = 0; i < 5; i++) {
            assertThat(caravan.get("live.example.com", "/").text()).isEqualTo("a");
        }
        assertThat(caravan.caravan().readiness().ready()).isTrue();

        caravan.write("services.yaml", Manifests.service("svc-a", b) + "---\n" + Manifests.service("svc-b", b));
        awaitWithin(PROPAGATION, "b");
    }

    @Test
    void deletingAFileRemovesWhatItDefined() throws Exception {
        caravan.delete("ingress.yaml");
        long started = System.nanoTime();
        caravan.awaitResponse("live.example.com", "/", response -> response.status() == 404);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(PROPAGATION);
    }

    private void awaitWithin(Duration limit, String body) {
        long started = System.nanoTime();
        caravan.awaitResponse("live.example.com", "/", response -> response.text().equals(body));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(limit);
    }
}

package dev.caravan.source.kubernetes;

import static dev.caravan.testing.ClusterObjects.ingress;
import static dev.caravan.testing.ClusterObjects.ingressClass;
import static dev.caravan.testing.ClusterObjects.service;
import static dev.caravan.testing.ClusterObjects.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.MockApiServer;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPathBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Zero loss under change: while a bounded load runs, 500 Ingress edits and a rolling replacement of
 * every endpoint (new ones ready first, old ones terminating, then removed) fail no request and break
 * no connection.
 */
class ZeroLossTest {

    private static final int EDITS = 500;
    private static final int CLIENTS = 4;

    @Test
    void editsAndARollingReplacementLoseNothing() throws Exception {
        List<TestBackend> old = List.of(TestBackend.start("127.0.0.2", "old-1"), TestBackend.start("127.0.0.3", "old-2"));
        List<TestBackend> fresh = List.of(TestBackend.start("127.0.0.4", "new-1"), TestBackend.start("127.0.0.5", "new-2"));
        try (MockApiServer server = MockApiServer.started()) {
            KubernetesClient client = server.client();
            client.resource(ingressClass()).create();
            client.resource(service("web")).create();
            for (TestBackend pod : old) {
                client.resource(slice("web-" + pod.name(), "web", pod)).create();
            }
            client.resource(ingress("web", "web.example.com", "/", "web")).create();
            try (CaravanHarness caravan = CaravanHarness.startInCluster("--apiserver-host",
                    client.getMasterUrl().toString())) {
                Load load = new Load(caravan.httpPort());
                load.start();
                await().atMost(Duration.ofSeconds(5)).until(() -> load.served.get() > 50);

                // 500 edits: the Ingress gains and loses paths beside "/", and other Ingresses come and go
                for (int edit = 0; edit < EDITS; edit++) {
                    Ingress web = ingress("web", "web.example.com", "/", "web");
                    web.getSpec().getRules().get(0).getHttp().getPaths().add(new HTTPIngressPathBuilder()
                            .withPath("/v" + edit).withPathType("Prefix").withNewBackend().withNewService()
                            .withName("web").withNewPort().withName("http").endPort().endService().endBackend()
                            .build());
                    client.resource(web).update();
                    if (edit % 10 == 0) {
                        client.resource(ingress("other-" + edit, "other" + edit + ".example.com", "/", "web")).create();
                    }
                }
                // rolling replacement: new pods ready first, old ones terminating, then gone
                for (TestBackend pod : fresh) {
                    client.resource(slice("web-" + pod.name(), "web", pod)).create();
                }
                await().atMost(Duration.ofSeconds(5)).until(() -> load.answeredBy.containsKey("new-1")
                        && load.answeredBy.containsKey("new-2"));
                for (TestBackend pod : old) {
                    client.resource(terminating(slice("web-" + pod.name(), "web", pod))).update();
                }
                Thread.sleep(1000);
                for (TestBackend pod : old) {
                    client.resource(slice("web-" + pod.name(), "web", pod)).delete();
                }
                Thread.sleep(1000);
                int before = load.served.get();
                load.answeredBy.clear();
                // requests after the old pods went: waited for rather than slept on, as a busy 2-core host may pause
                await().atMost(Duration.ofSeconds(10)).until(() -> load.served.get() > before + 20);
                load.stop();

                assertThat(load.failures).isEmpty();
                assertThat(load.answeredBy.keySet()).as("only the new pods, once the old ones are gone")
                        .containsExactlyInAnyOrder("new-1", "new-2");
                assertThat(caravan.caravan().lastCompilation().table().version()).isPositive();
            }
        } finally {
            for (TestBackend pod : old) {
                pod.close();
            }
            for (TestBackend pod : fresh) {
                pod.close();
            }
        }
    }

    private static EndpointSlice terminating(EndpointSlice slice) {
        EndpointSliceBuilder builder = new EndpointSliceBuilder(slice);
        builder.editFirstEndpoint().editConditions().withReady(false).withServing(true).withTerminating(true)
                .endConditions().endEndpoint();
        return builder.build();
    }

    /** Clients in a loop, half on keep-alive connections, half on a new connection per request. */
    private static final class Load {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicInteger served = new AtomicInteger();
        final List<String> failures = new CopyOnWriteArrayList<>();
        final ConcurrentHashMap<String, Boolean> answeredBy = new ConcurrentHashMap<>();
        private final int port;
        private final ExecutorService threads = Executors.newFixedThreadPool(CLIENTS);
        private final List<Future<?>> loops = new ArrayList<>();

        Load(int port) {
            this.port = port;
        }

        void start() {
            for (int c = 0; c < CLIENTS; c++) {
                boolean keepAlive = c % 2 == 0;
                loops.add(threads.submit(() -> {
                    RawHttp connection = null;
                    // bounded: it stops by itself after a minute whatever happens
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    try {
                        while (running.get() && System.nanoTime() < deadline) {
                            if (connection == null || !keepAlive) {
                                if (connection != null) {
                                    connection.close();
                                }
                                connection = new RawHttp(port);
                            }
                            connection.send("GET / HTTP/1.1\r\nHost: web.example.com\r\n\r\n");
                            RawHttp.Response response = connection.read(false);
                            if (response.status() != 200) {
                                failures.add(response.statusLine());
                            } else {
                                answeredBy.put(response.text(), true);
                            }
                            served.incrementAndGet();
                        }
                        if (connection != null) {
                            connection.close();
                        }
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                    return null;
                }));
            }
        }

        void stop() throws Exception {
            running.set(false);
            for (Future<?> loop : loops) {
                loop.get(30, TimeUnit.SECONDS);
            }
            threads.shutdown();
        }
    }
}

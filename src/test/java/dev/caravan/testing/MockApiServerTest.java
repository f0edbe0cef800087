package dev.caravan.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Proves each fault control of {@link MockApiServer} against real fabric8 informers and watches. */
@Timeout(value = 15, unit = TimeUnit.SECONDS)
class MockApiServerTest {

    private static final Duration SOON = Duration.ofSeconds(5);

    private MockApiServer server;
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();

    @AfterEach
    void tearDown() {
        informers.forEach(SharedIndexInformer::stop);
        if (server != null) {
            server.close();
        }
    }

    @Test
    void crudAndInformerWorkAgainstTheServer() {
        server = MockApiServer.started();
        KubernetesClient client = server.client();
        client.services().resource(service("a")).create();
        Recorder events = new Recorder();
        SharedIndexInformer<Service> informer = informer(client, events);
        informer.start().toCompletableFuture().join();

        await().atMost(SOON).until(() -> events.names("ADD").contains("a"));
        client.services().withName("a").edit(s -> new ServiceBuilder(s).editMetadata().addToLabels("x", "y")
                .endMetadata().build());
        client.services().withName("a").delete();

        await().atMost(SOON).untilAsserted(() -> assertThat(events.all).containsSubsequence(
                new Event("ADD", "a", false), new Event("UPDATE", "a", false), new Event("DELETE", "a", false)));
        assertThat(client.services().list().getItems()).isEmpty();
    }

    @Test
    void preloadedObjectsAreServedAsCreatedOnes() {
        server = MockApiServer.started();
        server.preload(List.of(service("a"), ClusterObjects.ingressClass()));
        KubernetesClient client = server.client();

        Service a = client.services().withName("a").get();
        assertThat(a.getMetadata().getNamespace()).isEqualTo(MockApiServer.NAMESPACE);
        assertThat(a.getMetadata().getResourceVersion()).isNotEmpty();
        assertThat(client.network().v1().ingressClasses().withName("caravan").get()).isNotNull();
        client.services().withName("a").edit(s -> new ServiceBuilder(s).editMetadata().addToLabels("x", "y")
                .endMetadata().build());
        assertThat(client.services().list().getItems()).singleElement()
                .satisfies(s -> assertThat(s.getMetadata().getLabels()).containsEntry("x", "y"));
    }

    @Test
    void expiredWatchMakesTheInformerRelistAndReportTheDeleteItMissed() throws Exception {
        server = MockApiServer.started();
        KubernetesClient client = server.client();
        client.services().resource(service("keep")).create();
        client.services().resource(service("gone")).create();
        Recorder events = new Recorder();
        SharedIndexInformer<Service> informer = informer(client, events);
        informer.start().toCompletableFuture().get(5, TimeUnit.SECONDS);
        await().atMost(SOON).until(() -> server.openWatches() == 1 && events.names("ADD").size() == 2);

        assertThat(server.muteWatches()).isEqualTo(1);
        client.services().withName("gone").delete();
        // The delete is not delivered: the informer still holds "gone" while its watch stays open.
        Thread.sleep(500);
        assertThat(events.names("DELETE")).isEmpty();
        assertThat(informer.getStore().getByKey(MockApiServer.NAMESPACE + "/gone")).isNotNull();

        long started = System.nanoTime();
        assertThat(server.expireWatches()).isEqualTo(1);
        await().atMost(SOON).until(() -> events.names("DELETE").contains("gone"));
        System.out.printf("relist after 410 reported the missed delete in %d ms%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));

        // fabric8 reports a delete found by relisting with deletedFinalStateUnknown = true (a watch DELETED: false).
        assertThat(events.all).contains(new Event("DELETE", "gone", true)).doesNotContain(new Event("DELETE", "keep", true));
        assertThat(informer.getStore().listKeys()).containsExactly(MockApiServer.NAMESPACE + "/keep");
        // ... and then watches again from the new list.
        await().atMost(SOON).until(() -> server.openWatches() == 1 && informer.isWatching());
        client.services().resource(service("later")).create();
        await().atMost(SOON).until(() -> events.names("ADD").contains("later"));
    }

    @Test
    void withoutExpiryAReconnectedWatchNeverLearnsOfTheMissedDelete() throws Exception {
        server = MockApiServer.started();
        KubernetesClient client = server.client();
        client.services().resource(service("gone")).create();
        Recorder events = new Recorder();
        SharedIndexInformer<Service> informer = informer(client, events);
        informer.start().toCompletableFuture().get(5, TimeUnit.SECONDS);
        await().atMost(SOON).until(() -> server.openWatches() == 1);

        server.muteWatches();
        client.services().withName("gone").delete();
        assertThat(server.dropWatches()).isEqualTo(1);
        // The client reconnects from its last resourceVersion and the mock replays only what exists now.
        await().atMost(SOON).until(() -> server.openWatches() == 1 && informer.isWatching());
        client.services().resource(service("marker")).create();
        await().atMost(SOON).until(() -> events.names("ADD").contains("marker"));

        assertThat(events.names("DELETE")).isEmpty();
        assertThat(informer.getStore().getByKey(MockApiServer.NAMESPACE + "/gone")).isNotNull();
    }

    @Test
    void expiredWatchesEndWithA410StatusAndOldVersionsCannotBeWatchedAgain() throws Exception {
        server = MockApiServer.started();
        KubernetesClient client = server.client();
        String before = client.services().resource(service("a")).create().getMetadata().getResourceVersion();

        ClosingWatcher open = new ClosingWatcher();
        Watch watch1 = client.services().watch(open);
        try {
            await().atMost(SOON).until(() -> server.openWatches() == 1);
            assertThat(server.expireWatches()).isEqualTo(1);
            WatcherException closed = open.closed.get(5, TimeUnit.SECONDS);
            assertThat(closed.isHttpGone()).isTrue();
            assertThat(closed.asClientException().getStatus().getCode()).isEqualTo(410);
            assertThat(closed.asClientException().getStatus().getReason()).isEqualTo("Expired");
        } finally {
            watch1.close();
        }
        await().atMost(SOON).until(() -> server.openWatches() == 0);

        // A watch from before the compaction point is refused with 410 ...
        ClosingWatcher old = new ClosingWatcher();
        Watch watch2 = client.services().watch(new ListOptionsBuilder().withResourceVersion(before).build(), old);
        try {
            assertThat(old.closed.get(5, TimeUnit.SECONDS).isHttpGone()).isTrue();
        } finally {
            watch2.close();
        }
        // ... one from the current list is not.
        String current = client.services().list().getMetadata().getResourceVersion();
        ClosingWatcher fresh = new ClosingWatcher();
        Watch watch3 = client.services().watch(new ListOptionsBuilder().withResourceVersion(current).build(), fresh);
        try {
            await().atMost(SOON).until(() -> server.openWatches() == 1);
            client.services().resource(service("b")).create();
            await().atMost(SOON).until(() -> fresh.added.contains("b"));
            assertThat(fresh.closed).isNotDone();
        } finally {
            watch3.close();
        }
    }

    @Test
    void aWatchFromTheListedVersionIsSentOnlyLaterChangesWhenAsked() throws Exception {
        server = MockApiServer.started();
        KubernetesClient client = server.client();
        client.services().resource(service("a")).create();
        String listed = client.services().list().getMetadata().getResourceVersion();

        // by default the mock replays what exists to every watch, whatever version it asks for
        ClosingWatcher replayed = new ClosingWatcher();
        Watch watch1 = client.services().watch(new ListOptionsBuilder().withResourceVersion(listed).build(), replayed);
        try {
            await().atMost(SOON).until(() -> replayed.added.contains("a"));
        } finally {
            watch1.close();
        }

        server.watchingFromVersion();
        client.services().resource(service("b")).create();
        ClosingWatcher fromListed = new ClosingWatcher();
        Watch watch2 = client.services().watch(new ListOptionsBuilder().withResourceVersion(listed).build(), fromListed);
        try {
            // b changed after the list, a did not; then c is made while the watch is open
            await().atMost(SOON).until(() -> fromListed.added.contains("b"));
            client.services().resource(service("c")).create();
            await().atMost(SOON).until(() -> fromListed.added.contains("c"));
            assertThat(fromListed.added).containsExactly("b", "c");
        } finally {
            watch2.close();
        }

        // from the latest version, as a start-up's watches ask: nothing to replay, live changes still come
        String latest = client.services().list().getMetadata().getResourceVersion();
        ClosingWatcher fromLatest = new ClosingWatcher();
        Watch watch3 = client.services().watch(new ListOptionsBuilder().withResourceVersion(latest).build(), fromLatest);
        try {
            await().atMost(SOON).until(() -> server.openWatches() == 1);
            client.services().resource(service("d")).create();
            await().atMost(SOON).until(() -> fromLatest.added.contains("d"));
            // none of a, b and c; d may come twice if it landed while the watch opened
            assertThat(fromLatest.added).containsOnly("d");
        } finally {
            watch3.close();
        }
    }

    @Test
    void informerStartedBeforeTheServerListensSyncsOnceItStarts() throws Exception {
        server = MockApiServer.reserve();
        KubernetesClient client = server.client();
        assertThat(client.getMasterUrl().getPort()).isEqualTo(server.port());
        long refused = System.nanoTime();
        assertThatThrownBy(() -> client.services().list()).isInstanceOf(KubernetesClientException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - refused)).isLessThan(Duration.ofSeconds(2));

        Recorder events = new Recorder();
        SharedIndexInformer<Service> informer = informer(client, events);
        CompletableFuture<Void> synced = informer.start().toCompletableFuture();
        Thread.sleep(1_000);
        assertThat(synced).isNotDone();
        assertThat(informer.hasSynced()).isFalse();

        long started = System.nanoTime();
        server.start();
        synced.get(10, TimeUnit.SECONDS);
        System.out.printf("informer synced %d ms after start()%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        assertThat(informer.hasSynced()).isTrue();
        client.services().resource(service("first")).create();
        await().atMost(SOON).until(() -> events.names("ADD").contains("first"));
    }

    @Test
    void informerRecoversFromAStopAndStartOnTheSamePortWithTheObjectsKept() throws Exception {
        server = MockApiServer.started();
        KubernetesClient client = server.client();
        client.services().resource(service("before")).create();
        Recorder events = new Recorder();
        SharedIndexInformer<Service> informer = informer(client, events);
        informer.start().toCompletableFuture().get(5, TimeUnit.SECONDS);
        await().atMost(SOON).until(() -> server.openWatches() == 1 && events.names("ADD").contains("before"));

        server.stop();
        assertThat(server.isRunning()).isFalse();
        assertThat(server.openWatches()).isZero();
        assertThatThrownBy(() -> client.services().list()).isInstanceOf(KubernetesClientException.class);
        await().atMost(SOON).until(() -> !informer.isWatching());
        Thread.sleep(1_000); // let the informer fail a few reconnects

        long started = System.nanoTime();
        server.start();
        assertThat(client.services().withName("before").get()).isNotNull();
        client.services().resource(service("after")).create();
        await().atMost(Duration.ofSeconds(10)).until(() -> events.names("ADD").contains("after"));
        System.out.printf("informer saw an object created after the restart %d ms after start()%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        assertThat(informer.getStore().listKeys()).containsExactlyInAnyOrder(
                MockApiServer.NAMESPACE + "/before", MockApiServer.NAMESPACE + "/after");
        assertThat(events.names("DELETE")).isEmpty();
        await().atMost(SOON).until(() -> server.openWatches() == 1 && informer.isWatching());
        assertThat(server.port()).isEqualTo(client.getMasterUrl().getPort());
    }

    @Test
    void aDeleteWhileTheServerIsDownIsFoundAfterRestartIfTheHistoryWasCompacted() throws Exception {
        server = MockApiServer.started();
        KubernetesClient client = server.client();
        client.services().resource(service("gone")).create();
        Recorder events = new Recorder();
        SharedIndexInformer<Service> informer = informer(client, events);
        informer.start().toCompletableFuture().get(5, TimeUnit.SECONDS);
        await().atMost(SOON).until(() -> server.openWatches() == 1);

        server.muteWatches();
        client.services().withName("gone").delete();
        server.stop();
        server.expireWatches(); // no watch is open: this only compacts the history
        server.start();

        await().atMost(SOON).until(() -> events.names("DELETE").contains("gone"));
        assertThat(events.all).contains(new Event("DELETE", "gone", true));
    }

    @Test
    void expectationsAnswerBeforeTheStore() {
        server = MockApiServer.started();
        KubernetesClient client = server.client();
        client.services().resource(service("a")).create();
        server.expect().get().withPath("/api/v1/namespaces/default/services/a").andReturn(403, "no").once();

        assertThatThrownBy(() -> client.services().withName("a").get())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
        assertThat(client.services().withName("a").get()).isNotNull();
    }

    private SharedIndexInformer<Service> informer(KubernetesClient client, ResourceEventHandler<Service> handler) {
        SharedIndexInformer<Service> informer = client.services().inNamespace(MockApiServer.NAMESPACE)
                .runnableInformer(0);
        informer.addEventHandler(handler).exceptionHandler((started, t) -> true);
        informers.add(informer);
        return informer;
    }

    private static Service service(String name) {
        return new ServiceBuilder().withNewMetadata().withName(name).withNamespace(MockApiServer.NAMESPACE)
                .endMetadata().withNewSpec().addNewPort().withPort(80).endPort().endSpec().build();
    }

    record Event(String type, String name, boolean finalStateUnknown) {
    }

    /** Records what an informer reports, in order. */
    static final class Recorder implements ResourceEventHandler<Service> {
        final List<Event> all = new CopyOnWriteArrayList<>();

        @Override
        public void onAdd(Service obj) {
            all.add(new Event("ADD", obj.getMetadata().getName(), false));
        }

        @Override
        public void onUpdate(Service oldObj, Service newObj) {
            all.add(new Event("UPDATE", newObj.getMetadata().getName(), false));
        }

        @Override
        public void onDelete(Service obj, boolean deletedFinalStateUnknown) {
            all.add(new Event("DELETE", obj.getMetadata().getName(), deletedFinalStateUnknown));
        }

        List<String> names(String type) {
            return all.stream().filter(e -> e.type().equals(type)).map(Event::name).toList();
        }
    }

    /** A plain watcher that records added names and how it was closed. */
    static final class ClosingWatcher implements Watcher<Service> {
        final List<String> added = new CopyOnWriteArrayList<>();
        final CompletableFuture<WatcherException> closed = new CompletableFuture<>();

        @Override
        public void eventReceived(Action action, Service resource) {
            if (action == Action.ADDED) {
                added.add(resource.getMetadata().getName());
            }
        }

        @Override
        public void onClose(WatcherException cause) {
            closed.complete(cause);
        }

        @Override
        public void onClose() {
            closed.complete(null);
        }
    }
}

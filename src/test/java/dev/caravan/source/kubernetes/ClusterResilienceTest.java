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
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The API server misbehaving: expired watches, changes missed while disconnected, an API that is down at start. */
class ClusterResilienceTest {

    MockApiServer api;
    TestBackend pod;
    CaravanHarness caravan;

    @BeforeEach
    void setUp() throws Exception {
        api = MockApiServer.reserve();
        pod = TestBackend.start("127.0.0.2", "pod");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (caravan != null) {
            caravan.close();
        }
        api.close();
        pod.close();
    }

    private void createApp() {
        api.client().resource(ingressClass()).create();
        api.client().resource(service("svc")).create();
        api.client().resource(slice("svc-1", "svc", pod)).create();
        api.client().resource(ingress("web", "web.example.com", "/", "svc")).create();
    }

    @Test
    void aDeleteMissedWhileTheWatchWasDownIsFoundByTheRelistAfter410() throws Exception {
        api.start();
        createApp();
        caravan = CaravanHarness.startInCluster("--apiserver-host", api.url());
        assertThat(caravan.get("web.example.com", "/").text()).isEqualTo("pod");

        // the Ingress is deleted while Caravan hears nothing; its next watch gets 410 Gone
        api.changeBehindWatches(() -> api.client().network().v1().ingresses().inNamespace("default")
                .withName("web").delete());
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> caravan.get("web.example.com", "/").status() == 404);

        // and the watches that replaced the expired ones carry on
        api.client().resource(ingress("web", "web.example.com", "/", "svc")).create();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .until(() -> caravan.get("web.example.com", "/").status() == 200);
    }

    @Test
    void anApiServerDownAtStartIsRetriedAndCaravanBecomesReadyWhenItComesBack() throws Exception {
        caravan = CaravanHarness.startInClusterUnready("--apiserver-host", api.url());
        Thread.sleep(2000);
        assertThat(caravan.caravan().readiness().ready()).isFalse();
        RawHttp.Response readyz = RawHttp.get(caravan.adminPort(), "localhost", "/readyz");
        assertThat(readyz.status()).isEqualTo(503);
        assertThat(readyz.text()).contains("informers synced");

        api.start();
        createApp();
        await().atMost(Duration.ofSeconds(30)).until(() -> caravan.caravan().readiness().ready());
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .until(() -> caravan.get("web.example.com", "/").text().equals("pod"));
    }

    @Test
    void anApiServerRestartIsSurvived() throws Exception {
        api.start();
        createApp();
        caravan = CaravanHarness.startInCluster("--apiserver-host", api.url());
        api.stop();
        Thread.sleep(1000);
        // routing carries on from what was known while the API is away
        assertThat(caravan.get("web.example.com", "/").text()).isEqualTo("pod");
        api.start();
        api.client().resource(ingress("more", "more.example.com", "/", "svc")).create();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> caravan.get("more.example.com", "/").status() == 200);
    }
}

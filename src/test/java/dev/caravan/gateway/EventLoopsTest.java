package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How many event loops serve the listeners, and that clients and pods can share a single one. */
class EventLoopsTest {

    @TempDir
    Path manifests;

    @Test
    void byDefaultOneLoopPerAvailableCore() throws Exception {
        write(manifests, "class.yaml", Manifests.ingressClass());
        try (CaravanHarness caravan = CaravanHarness.start(manifests)) {
            assertThat(caravan.caravan().eventLoops()).isEqualTo(Runtime.getRuntime().availableProcessors());
        }
    }

    @Test
    void oneLoopServesManyKeepAliveClientsAndTheirPods() throws Exception {
        try (TestBackend a = TestBackend.start("127.0.0.2", "a"); TestBackend b = TestBackend.start("127.0.0.3", "b")) {
            write(manifests, "app.yaml", Manifests.ingressClass() + "---\n" + Manifests.service("app", a, b) + "---\n"
                    + Manifests.ingress("app", "app.example.com", "/", "app"));
            try (CaravanHarness caravan = CaravanHarness.start(manifests, "--event-loops", "1")) {
                assertThat(caravan.caravan().eventLoops()).isEqualTo(1);
                caravan.awaitResponse("app.example.com", "/", response -> response.status() == 200);
                List<RawHttp> clients = new ArrayList<>();
                try {
                    for (int i = 0; i < 8; i++) {
                        clients.add(new RawHttp(caravan.httpPort(), 5000));
                    }
                    Set<String> pods = new HashSet<>();
                    Set<String> sent = new HashSet<>();
                    for (int round = 0; round < 5; round++) {
                        // every client's request in flight at once, all on the one loop with the pods' connections
                        for (int i = 0; i < clients.size(); i++) {
                            String path = "/r" + round + "/c" + i;
                            sent.add(path);
                            clients.get(i).send("GET " + path + " HTTP/1.1\r\nHost: app.example.com\r\n\r\n");
                        }
                        for (RawHttp client : clients) {
                            RawHttp.Response response = client.read(false);
                            assertThat(response.status()).isEqualTo(200);
                            pods.add(response.text());
                        }
                    }
                    assertThat(pods).containsExactlyInAnyOrder("a", "b");
                    Set<String> reached = new HashSet<>();
                    a.seen().forEach(seen -> reached.add(seen.uri()));
                    b.seen().forEach(seen -> reached.add(seen.uri()));
                    assertThat(reached).containsAll(sent);
                } finally {
                    for (RawHttp client : clients) {
                        client.close();
                    }
                }
            }
        }
    }
}

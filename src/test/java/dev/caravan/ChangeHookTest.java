package dev.caravan;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.TestBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A user route consuming seda:caravan-changes hears of an Ingress edit and writes it to a file. */
class ChangeHookTest {

    @TempDir
    Path manifests;
    @TempDir
    Path routes;
    @TempDir
    Path audit;

    @Test
    void anIngressEditReachesTheChangeHook() throws Exception {
        Files.writeString(routes.resolve("audit.yaml"), """
                - route:
                    id: change-audit
                    from:
                      uri: seda:caravan-changes?size=1000
                      steps:
                        - setBody:
                            simple: "version ${body[version]}: ${body[summary]}"
                        - to:
                            uri: file:%s?fileName=changes.log&fileExist=Append&appendChars=\\n
                """.formatted(audit));
        try (TestBackend pod = TestBackend.start("127.0.0.2", "pod")) {
            write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                    Manifests.ingress("app", "app.example.test", "/", "svc")));
            try (CaravanHarness caravan = CaravanHarness.start(manifests, "--routes", routes.toString())) {
                caravan.write("more.yaml", Manifests.ingress("shop", "shop.example.test", "/", "svc"));
                Path log = audit.resolve("changes.log");
                await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(log)
                        && Files.readString(log).contains("+1 host (shop.example.test)"));
                assertThat(Files.readString(log)).containsPattern("version \\d+: \\+1 host \\(shop.example.test\\)");
            }
        }
    }
}

package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pod's Server header is removed, as ingress-nginx removes it, unless --allow-backend-server-header. */
class ServerHeaderTest {

    @TempDir
    Path manifests;

    @Test
    void thePodsServerHeaderReachesClientsOnlyWhenAllowed() throws Exception {
        try (TestBackend pod = TestBackend.start("127.0.0.2", "pod")) {
            pod.respond(request -> {
                FullHttpResponse response = TestBackend.text(HttpResponseStatus.OK, "hello");
                response.headers().set("Server", "BaseHTTP/0.6 Python/3.11.7");
                return response;
            });
            write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                    Manifests.ingress("app", "app.test", "/", "svc")));
            try (CaravanHarness caravan = CaravanHarness.start(manifests)) {
                RawHttp.Response response = caravan.get("app.test", "/");
                assertThat(response.text()).isEqualTo("hello");
                assertThat(response.header("Server")).isNull();
            }
            try (CaravanHarness caravan = CaravanHarness.start(manifests, "--allow-backend-server-header")) {
                assertThat(caravan.get("app.test", "/").header("Server")).isEqualTo("BaseHTTP/0.6 Python/3.11.7");
            }
        }
    }
}

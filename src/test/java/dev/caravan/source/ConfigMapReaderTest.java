package dev.caravan.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.routing.ObjectRef;
import dev.caravan.testing.MockApiServer;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ingress-nginx's controller ConfigMap read from the (mock) API server before Caravan starts. */
class ConfigMapReaderTest {

    @Test
    void readsItsDataOrSaysThereIsNone() throws Exception {
        try (MockApiServer server = MockApiServer.started()) {
            server.client().resource(new ConfigMapBuilder().withNewMetadata().withName("controller")
                    .withNamespace("ingress-nginx").endMetadata().withData(Map.of("use-forwarded-headers", "true"))
                    .build()).create();
            assertThat(ConfigMapReader.fromCluster(null, server.url(), ObjectRef.parse("ingress-nginx/controller")))
                    .containsEntry("use-forwarded-headers", "true");
            assertThat(ConfigMapReader.fromCluster(null, server.url(), ObjectRef.parse("ingress-nginx/other"))).isNull();
        }
    }
}

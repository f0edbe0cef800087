package dev.caravan.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AnnotationPrefixTest {

    private final AnnotationPrefix prefix = new AnnotationPrefix("internal.example.com");

    @Test
    void theCustomPrefixIsReadAsTheUsualOneWhichIsNotReadAndTheRestIsKept() {
        Ingress written = new IngressBuilder().withNewMetadata().withName("web").withAnnotations(Map.of(
                "internal.example.com/rewrite-target", "/", "nginx.ingress.kubernetes.io/ssl-redirect", "false",
                "kubernetes.io/ingress.class", "internal", "caravan.dev/request-route", "audit")).endMetadata().build();
        Ingress read = (Ingress) prefix.apply(written);
        assertThat(read.getMetadata().getAnnotations()).containsOnly(
                Map.entry("nginx.ingress.kubernetes.io/rewrite-target", "/"),
                Map.entry("kubernetes.io/ingress.class", "internal"),
                Map.entry("caravan.dev/request-route", "audit"));
        // a copy: the object as the API gave it is left as it was
        assertThat(written.getMetadata().getAnnotations()).containsKey("internal.example.com/rewrite-target");
        assertThat(read.getMetadata().getName()).isEqualTo("web");
    }

    @Test
    void otherKindsAndIngressesWithoutAnnotationsAreTheVeryObjects() {
        HasMetadata service = new ServiceBuilder().withNewMetadata().withName("svc")
                .withAnnotations(Map.of("internal.example.com/x", "y")).endMetadata().build();
        assertThat(prefix.apply(service)).isSameAs(service);
        Ingress bare = new IngressBuilder().withNewMetadata().withName("bare").endMetadata().build();
        assertThat(prefix.apply(bare)).isSameAs(bare);
    }
}

package dev.caravan.source.kubernetes;

import dev.caravan.state.ResourceKind;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the client's Jackson deserializers for the watched kinds on a thread of its own while Camel starts.
 * Left to the first lists, Jackson introspects each kind's object tree (hundreds of model classes) on the HTTP
 * client's event loop, under the mapper's lock, while the lists wait. Only the typed classes the lists decode
 * into: fabric8's kind-to-class mapping, which only watch events need, loads every model class it ships and
 * would compete with the sync for the CPU (measured: ready at 10,000 Ingresses 5.1 s with this, 5.5 s with
 * the mapping too, 6.4 s with neither).
 */
public final class DecoderWarmUp {

    private static final Logger LOG = LoggerFactory.getLogger(DecoderWarmUp.class);

    private DecoderWarmUp() {
    }

    public static void start(KubernetesClient client) {
        Thread thread = new Thread(() -> decodeEachKind(client.getKubernetesSerialization()),
                "caravan-decoder-warm-up");
        thread.setDaemon(true);
        thread.start();
    }

    private static void decodeEachKind(KubernetesSerialization json) {
        try {
            for (ResourceKind kind : ResourceKind.values()) {
                json.unmarshal("{}", kind.type());
            }
        } catch (RuntimeException e) {
            // only time is lost: the first lists do the same work
            LOG.debug("Decoder warm-up failed", e);
        }
    }
}

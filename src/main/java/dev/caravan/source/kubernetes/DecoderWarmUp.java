package dev.caravan.source.kubernetes;

import dev.caravan.state.ResourceKind;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Readies the client's JSON decoding on a thread of its own while Camel starts. On the first object it
 * decodes by kind, fabric8 maps kinds to classes, loading every model class it ships (half a second on two
 * cores), and Jackson builds the deserializers of each watched kind's object tree. Left to the first watch
 * event, that work runs on the HTTP client's event loop, where the lists of every kind wait behind it.
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

    /** One empty object of each watched kind, through the same mapper and path as a watch event's object. */
    static void decodeEachKind(KubernetesSerialization json) {
        try {
            for (ResourceKind kind : ResourceKind.values()) {
                json.unmarshal("{\"apiVersion\":\"" + kind.apiVersion() + "\",\"kind\":\"" + kind.kindName()
                        + "\",\"metadata\":{}}", KubernetesResource.class);
            }
        } catch (RuntimeException e) {
            // only time is lost: the first lists and watch events do the same work
            LOG.debug("Decoder warm-up failed", e);
        }
    }
}

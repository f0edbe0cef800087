package dev.caravan.routing;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * ingress-nginx's {@code --tcp-services-configmap}: ports on which every connection is relayed, byte for byte, to the
 * pods of one Service port.
 *
 * @param byPort   what each port relays to, by port
 * @param problems why an entry of the ConfigMap (or the ConfigMap itself) could not be used, each a sentence; such an
 *                 entry's port is not listened on, the others are
 */
public record StreamServices(Map<Integer, Service> byPort, List<String> problems) {

    public static final StreamServices NONE = new StreamServices(Map.of(), List.of());

    public StreamServices {
        byPort = Map.copyOf(new TreeMap<>(byPort));
        problems = List.copyOf(problems);
    }

    /**
     * One port's Service.
     *
     * @param port        the port listened on
     * @param backend     the Service port's ready pods; none closes each connection at once
     * @param decodeProxy whether each connection starts with a PROXY protocol header, which names the client
     * @param encodeProxy whether each connection to a pod starts with a PROXY protocol (v1) header naming the client
     */
    public record Service(int port, Backend backend, boolean decodeProxy, boolean encodeProxy) {
    }
}

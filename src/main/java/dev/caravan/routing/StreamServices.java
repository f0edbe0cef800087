package dev.caravan.routing;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * ingress-nginx's {@code --tcp-services-configmap} and {@code --udp-services-configmap}: TCP ports on which every
 * connection is relayed, byte for byte, to the pods of one Service port, and UDP ports whose datagrams are.
 *
 * @param tcp      what each TCP port relays to, by port
 * @param udp      what each UDP port relays to, by port
 * @param problems why an entry of the ConfigMaps (or a ConfigMap itself) could not be used, each a sentence; such an
 *                 entry's port is not listened on, the others are
 */
public record StreamServices(Map<Integer, Service> tcp, Map<Integer, Service> udp, List<String> problems) {

    public static final StreamServices NONE = new StreamServices(Map.of(), Map.of(), List.of());

    public StreamServices {
        tcp = Map.copyOf(new TreeMap<>(tcp));
        udp = Map.copyOf(new TreeMap<>(udp));
        problems = List.copyOf(problems);
    }

    /**
     * One port's Service.
     *
     * @param port        the port listened on
     * @param backend     the Service port's ready pods; none closes each connection at once (drops each datagram)
     * @param decodeProxy whether each connection starts with a PROXY protocol header, which names the client (TCP)
     * @param encodeProxy whether each connection to a pod starts with a PROXY protocol (v1) header naming the client
     *                    (TCP)
     */
    public record Service(int port, Backend backend, boolean decodeProxy, boolean encodeProxy) {
    }
}

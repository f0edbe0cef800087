package dev.caravan.compile;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointHints;
import io.fabric8.kubernetes.api.model.discovery.v1.ForZone;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Topology-aware routing ({@code --enable-topology-aware-routing}): which of a Service's ready endpoints a replica in
 * one zone sends to. A Service asks for it with {@code service.kubernetes.io/topology-mode: auto} (or the older
 * {@code topology-aware-hints}) or {@code spec.trafficDistribution: PreferClose} (or {@code PreferSameZone}), and the
 * EndpointSlice controller then hints each endpoint for zones. As kube-proxy, the hints are followed only when every
 * ready endpoint has some and at least one is for this zone; otherwise every ready endpoint is used, so that hints
 * never leave a Service without pods.
 */
final class ZoneHints {

    static final String TOPOLOGY_MODE = "service.kubernetes.io/topology-mode";
    static final String TOPOLOGY_AWARE_HINTS = "service.kubernetes.io/topology-aware-hints";

    private ZoneHints() {
    }

    /** Whether the Service asks for its endpoints' zone hints to be followed. */
    static boolean asked(Service service) {
        Map<String, String> annotations = service.getMetadata().getAnnotations();
        if (annotations != null && ("auto".equalsIgnoreCase(annotations.get(TOPOLOGY_MODE))
                || "auto".equalsIgnoreCase(annotations.get(TOPOLOGY_AWARE_HINTS)))) {
            return true;
        }
        String distribution = service.getSpec() == null ? null : service.getSpec().getTrafficDistribution();
        return "PreferClose".equals(distribution) || "PreferSameZone".equals(distribution)
                || "PreferSameNode".equals(distribution);
    }

    /**
     * The ready endpoints hinted for {@code node}, else those hinted for {@code zone}, else all of them. As kube-proxy,
     * node hints ({@code PreferSameNode}, which has zone hints made too) and then zone hints are followed only when
     * every ready endpoint has some and at least one is for this replica.
     *
     * @param endpoint each item's endpoint
     * @param node     this replica's Node, or {@code null} when not known
     * @param zone     this replica's zone, or {@code null} when not known
     */
    static <T> List<T> select(List<T> ready, Function<T, Endpoint> endpoint, String node, String zone) {
        if (node != null) {
            List<T> onNode = onNode(ready, endpoint, node);
            if (!onNode.isEmpty()) {
                return onNode;
            }
        }
        return zone == null ? ready : inZone(ready, endpoint, zone);
    }

    private static <T> List<T> onNode(List<T> ready, Function<T, Endpoint> endpoint, String node) {
        List<T> onNode = new ArrayList<>();
        for (T item : ready) {
            EndpointHints hints = endpoint.apply(item).getHints();
            if (hints == null || hints.getForNodes() == null || hints.getForNodes().isEmpty()) {
                return List.of();
            }
            if (hints.getForNodes().stream().anyMatch(forNode -> node.equals(forNode.getName()))) {
                onNode.add(item);
            }
        }
        return onNode;
    }

    private static <T> List<T> inZone(List<T> ready, Function<T, Endpoint> endpoint, String zone) {
        List<T> inZone = new ArrayList<>();
        for (T item : ready) {
            EndpointHints hints = endpoint.apply(item).getHints();
            if (hints == null || hints.getForZones() == null || hints.getForZones().isEmpty()) {
                return ready;
            }
            for (ForZone forZone : hints.getForZones()) {
                if (zone.equals(forZone.getName())) {
                    inZone.add(item);
                    break;
                }
            }
        }
        return inZone.isEmpty() ? ready : inZone;
    }
}

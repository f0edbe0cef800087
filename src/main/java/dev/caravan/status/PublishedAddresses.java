package dev.caravan.status;

import dev.caravan.routing.ObjectRef;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.networking.v1.IngressLoadBalancerIngress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressLoadBalancerIngressBuilder;
import io.netty.util.NetUtil;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The addresses written into {@code status.loadBalancer.ingress} of our Ingresses, as ingress-nginx
 * derives them: the given {@code --publish-status-address} list, else the {@code --publish-service}'s
 * load-balancer ingress, else its external IPs, else (NodePort) the addresses of the cluster's nodes.
 */
public final class PublishedAddresses {

    private static final Comparator<IngressLoadBalancerIngress> ORDER = Comparator
            .comparing((IngressLoadBalancerIngress i) -> i.getIp() == null ? "" : i.getIp())
            .thenComparing(i -> i.getHostname() == null ? "" : i.getHostname());

    private PublishedAddresses() {
    }

    /** Addresses given literally: IP literals as {@code ip}, anything else as {@code hostname}. */
    public static List<IngressLoadBalancerIngress> of(List<String> addresses) {
        List<IngressLoadBalancerIngress> result = new ArrayList<>();
        for (String address : addresses) {
            result.add(NetUtil.isValidIpV4Address(address) || NetUtil.isValidIpV6Address(address)
                    ? new IngressLoadBalancerIngressBuilder().withIp(address).build()
                    : new IngressLoadBalancerIngressBuilder().withHostname(address).build());
        }
        return sorted(result);
    }

    /**
     * The addresses of a published Service.
     *
     * @param nodes the cluster's nodes, used only for a NodePort Service without external IPs
     */
    public static List<IngressLoadBalancerIngress> of(Service service, List<Node> nodes) {
        if (service == null || service.getSpec() == null) {
            return List.of();
        }
        List<IngressLoadBalancerIngress> result = new ArrayList<>();
        if (service.getStatus() != null && service.getStatus().getLoadBalancer() != null
                && service.getStatus().getLoadBalancer().getIngress() != null) {
            for (LoadBalancerIngress lb : service.getStatus().getLoadBalancer().getIngress()) {
                result.add(new IngressLoadBalancerIngressBuilder().withIp(lb.getIp()).withHostname(lb.getHostname())
                        .build());
            }
        }
        List<String> externalIps = service.getSpec().getExternalIPs();
        if (result.isEmpty() && externalIps != null && !externalIps.isEmpty()) {
            return of(externalIps);
        }
        if (result.isEmpty() && "NodePort".equals(service.getSpec().getType())) {
            for (Node node : nodes) {
                String address = nodeAddress(node);
                if (address != null) {
                    result.add(new IngressLoadBalancerIngressBuilder().withIp(address).build());
                }
            }
        }
        return sorted(result);
    }

    /** A node's external IP if it has one, else its internal IP. */
    private static String nodeAddress(Node node) {
        if (node.getStatus() == null || node.getStatus().getAddresses() == null) {
            return null;
        }
        String internal = null;
        for (NodeAddress address : node.getStatus().getAddresses()) {
            if ("ExternalIP".equals(address.getType())) {
                return address.getAddress();
            }
            if ("InternalIP".equals(address.getType()) && internal == null) {
                internal = address.getAddress();
            }
        }
        return internal;
    }

    private static List<IngressLoadBalancerIngress> sorted(List<IngressLoadBalancerIngress> addresses) {
        List<IngressLoadBalancerIngress> distinct = new ArrayList<>(addresses.stream().distinct().toList());
        distinct.sort(ORDER);
        return List.copyOf(distinct);
    }

    /** Where the addresses come from, as configured. */
    public record Configuration(ObjectRef publishService, List<String> statusAddresses) {

        public boolean configured() {
            return publishService != null || !statusAddresses.isEmpty();
        }
    }
}

package dev.caravan.compile;

import dev.caravan.balance.AffinityIndex;
import dev.caravan.balance.EwmaBalancer;
import dev.caravan.routing.Backend;
import dev.caravan.routing.ObjectRef;
import dev.caravan.state.ClusterState;
import dev.caravan.state.ExternalNames;
import dev.caravan.state.ResourceKind;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.networking.v1.IngressServiceBackend;
import io.fabric8.kubernetes.api.model.networking.v1.ServiceBackendPort;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Resolves a Service port to the ready pod addresses behind it, never to the cluster IP: the Service
 * port (by number or name) gives the port name, the EndpointSlices labelled with the Service give the
 * endpoint port of that name and the ready addresses. A Service without slices falls back to its
 * Endpoints object.
 */
final class BackendResolver {

    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    /** The reason of a resolution without a problem whose endpoints come once an ExternalName's name is answered. */
    static final String LOOKING_UP = "LookingUp";

    private static final Comparator<InetSocketAddress> BY_ADDRESS = Comparator
            .comparing((InetSocketAddress a) -> a.getAddress().getHostAddress())
            .thenComparingInt(InetSocketAddress::getPort);

    private final ClusterState state;
    private final Map<ObjectRef, List<EndpointSlice>> slicesByService;
    private final BackendCache.Editor resolved;
    private final boolean externalNames;
    /** Every Service asked for, whether it exists or not. */
    private final Set<ObjectRef> named = new HashSet<>();

    /**
     * @param slicesByService the state's EndpointSlices by the Service they are labelled with
     * @param resolved        backends resolved from the Services as they are in {@code state}, kept across
     *                        compilations so that an unchanged Service keeps its backend and balancer state
     * @param externalNames   whether Services of type ExternalName are proxied to (else refused, as
     *                        {@code --disable-svc-external-name} says)
     */
    BackendResolver(ClusterState state, Map<ObjectRef, List<EndpointSlice>> slicesByService,
            BackendCache.Editor resolved, boolean externalNames) {
        this.state = state;
        this.slicesByService = slicesByService;
        this.resolved = resolved;
        this.externalNames = externalNames;
    }

    /** The Services this resolver was asked for. */
    Set<ObjectRef> named() {
        return named;
    }

    /** The Service an EndpointSlice is labelled with, or {@code null}. */
    static ObjectRef serviceOf(EndpointSlice slice) {
        Map<String, String> labels = slice.getMetadata().getLabels();
        String service = labels == null ? null : labels.get(SERVICE_NAME_LABEL);
        return service == null ? null : new ObjectRef(ClusterState.refOf(slice).namespace(), service);
    }

    /** A backend and, when it cannot have endpoints as written, why ({@code reason} is a {@link Problem} reason). */
    record Resolution(Backend backend, String reason, String problem) {
    }

    Resolution resolve(String namespace, IngressServiceBackend serviceBackend) {
        return resolve(namespace, serviceBackend, false);
    }

    /** @param ewma whether the backend balances by latency ({@code load-balance: ewma}) */
    Resolution resolve(String namespace, IngressServiceBackend serviceBackend, boolean ewma) {
        ObjectRef serviceRef = new ObjectRef(namespace, serviceBackend.getName());
        named.add(serviceRef);
        ServiceBackendPort port = serviceBackend.getPort();
        String portLabel = port.getNumber() != null ? String.valueOf(port.getNumber()) : port.getName();
        String name = serviceRef + ":" + portLabel;
        Service service = state.get(ResourceKind.SERVICE, serviceRef);
        if (service == null) {
            return new Resolution(empty(name), Problem.BACKEND_NOT_FOUND, "service " + serviceRef + " not found");
        }
        if (ExternalNames.isExternalName(service)) {
            return resolveExternalName(serviceRef, service, port, name, ewma);
        }
        ServicePort servicePort = findPort(service, port);
        if (servicePort == null) {
            return new Resolution(empty(name), Problem.PORT_NOT_FOUND, "service " + serviceRef + " has no port " + portLabel);
        }
        // named by the Service port's number, however the Ingress wrote it, so that web:80 and web:http are one
        String canonical = serviceRef + ":" + servicePort.getPort();
        // one Backend (and balancer state) per service port and algorithm; keyed by the port's name too, since
        // one number may be two ports (TCP and UDP) whose endpoints differ
        String key = canonical + "/" + servicePort.getName() + (ewma ? "#ewma" : "");
        Backend backend = resolved.computeIfAbsent(serviceRef, key,
                k -> backend(canonical, endpoints(service, serviceRef, servicePort), ewma));
        return new Resolution(backend, null, null);
    }

    /**
     * The addresses the Service's externalName resolved to, at the port ingress-nginx takes: the Service port's target
     * port (its port when the target is a name), or the Ingress's port number itself when the Service has no such port.
     */
    private Resolution resolveExternalName(ObjectRef serviceRef, Service service, ServiceBackendPort port, String name,
            boolean ewma) {
        String externalName = ExternalNames.externalName(service);
        String refused = refusal(serviceRef, externalName);
        if (refused != null) {
            return new Resolution(empty(name), Problem.BACKEND_NOT_FOUND, refused);
        }
        ServicePort servicePort = findPort(service, port);
        int targetPort;
        String canonical;
        if (servicePort != null) {
            IntOrString target = servicePort.getTargetPort();
            targetPort = target != null && target.getIntVal() != null && target.getIntVal() > 0 ? target.getIntVal()
                    : servicePort.getPort();
            canonical = serviceRef + ":" + servicePort.getPort();
        } else if (port.getNumber() != null && port.getNumber() > 0 && port.getNumber() < 65536) {
            targetPort = port.getNumber();
            canonical = name;
        } else {
            return new Resolution(empty(name), Problem.PORT_NOT_FOUND, "service " + serviceRef + " has no port "
                    + (port.getNumber() != null ? port.getNumber() : port.getName()));
        }
        List<InetAddress> addresses;
        InetAddress literal = NetUtil.createInetAddressFromIpAddressString(externalName);
        if (literal != null) {
            addresses = List.of(literal);
        } else {
            ExternalNames.Answer answer = state.externalNames().get(serviceRef);
            if (answer == null || !answer.name().equals(ExternalNames.dnsName(service))) {
                // not looked up yet: no endpoint until it is, which takes a moment
                return new Resolution(empty(canonical), LOOKING_UP, null);
            }
            if (answer.error() != null) {
                return new Resolution(empty(canonical), Problem.NAME_NOT_RESOLVED, "service " + serviceRef
                        + " is of type ExternalName, and " + answer.name() + " does not resolve (" + answer.error() + ")");
            }
            addresses = answer.addresses();
        }
        List<InetSocketAddress> endpoints = addresses.stream().map(address -> new InetSocketAddress(address, targetPort))
                .collect(Collectors.toList());
        // a new answer makes the Service changed, which forgets its backends; one number may be two ports (TCP, UDP)
        String key = canonical + "/" + (servicePort == null ? "" : servicePort.getName()) + "/external:" + targetPort
                + (ewma ? "#ewma" : "");
        return new Resolution(resolved.computeIfAbsent(serviceRef, key, k -> backend(canonical, endpoints, ewma)),
                null, null);
    }

    /** @param ewma whether it balances by latency ({@code load-balance: ewma}), else round robin */
    private static Backend backend(String name, List<InetSocketAddress> endpoints, boolean ewma) {
        return ewma ? new Backend(name, endpoints, new EwmaBalancer(), new AffinityIndex(name, endpoints))
                : new Backend(name, endpoints);
    }

    /** Why Caravan does not send to this ExternalName Service, or {@code null}. */
    private String refusal(ObjectRef serviceRef, String externalName) {
        String what = "service " + serviceRef + " is of type ExternalName";
        if (!externalNames) {
            return what + ", which --disable-svc-external-name refuses";
        }
        if (externalName == null) {
            return what + " without an externalName";
        }
        InetAddress literal = NetUtil.createInetAddressFromIpAddressString(externalName);
        if (externalName.equals("localhost") || literal != null && literal.isLoopbackAddress()) {
            // as ingress-nginx refuses it: an Ingress must not reach what listens on the controller's own host
            return what + " naming " + externalName + ", this host itself, which is refused";
        }
        if (literal == null && !ExternalNames.validDnsName(externalName)) {
            return what + ", and '" + externalName + "' is not a DNS name";
        }
        return null;
    }

    /**
     * The Service's cluster IP and port as the one endpoint ({@code service-upstream}); a headless
     * Service has none, and its pods are used as usual.
     */
    Resolution resolveClusterIp(String namespace, IngressServiceBackend serviceBackend) {
        ObjectRef serviceRef = new ObjectRef(namespace, serviceBackend.getName());
        Service service = state.get(ResourceKind.SERVICE, serviceRef);
        ServicePort servicePort = service == null ? null : findPort(service, serviceBackend.getPort());
        String clusterIp = service == null || service.getSpec() == null ? null : service.getSpec().getClusterIP();
        if (servicePort == null || clusterIp == null || clusterIp.isEmpty() || clusterIp.equals("None")) {
            return resolve(namespace, serviceBackend);
        }
        String name = serviceRef + ":" + servicePort.getPort() + " (cluster IP)";
        Set<InetSocketAddress> address = new LinkedHashSet<>();
        addAddress(clusterIp, servicePort.getPort(), address);
        return new Resolution(resolved.computeIfAbsent(serviceRef, name, n -> new Backend(n, List.copyOf(address))),
                null, null);
    }

    /** The backend of a Service's first port: how a default-backend Service is named on the command line. */
    Resolution resolveFirstPort(ObjectRef serviceRef) {
        named.add(serviceRef);
        Service service = state.get(ResourceKind.SERVICE, serviceRef);
        List<ServicePort> ports = service == null || service.getSpec() == null ? null : service.getSpec().getPorts();
        if (ports == null || ports.isEmpty()) {
            return new Resolution(empty(serviceRef.toString()),
                    service == null ? Problem.BACKEND_NOT_FOUND : Problem.PORT_NOT_FOUND,
                    "default backend service " + serviceRef + (service == null ? " not found" : " has no ports"));
        }
        var port = new ServiceBackendPort(null, ports.get(0).getPort());
        return resolve(serviceRef.namespace(), new IngressServiceBackend(serviceRef.name(), port));
    }

    private static ServicePort findPort(Service service, ServiceBackendPort wanted) {
        if (service.getSpec() == null || service.getSpec().getPorts() == null) {
            return null;
        }
        for (ServicePort candidate : service.getSpec().getPorts()) {
            boolean match = wanted.getNumber() != null
                    ? wanted.getNumber().equals(candidate.getPort())
                    : wanted.getName().equals(candidate.getName());
            if (match) {
                return candidate;
            }
        }
        return null;
    }

    private List<InetSocketAddress> endpoints(Service service, ObjectRef serviceRef, ServicePort servicePort) {
        String portName = servicePort.getName() == null ? "" : servicePort.getName();
        Set<InetSocketAddress> ready = new LinkedHashSet<>();
        List<EndpointSlice> slices = slicesByService.get(serviceRef);
        if (slices != null) {
            List<SliceEndpoint> endpoints = new ArrayList<>();
            for (EndpointSlice slice : slices) {
                addReady(slice, portName, endpoints);
            }
            if (ZoneHints.asked(service)) {
                endpoints = ZoneHints.select(endpoints, SliceEndpoint::endpoint, state.node(), state.zone());
            }
            for (SliceEndpoint endpoint : endpoints) {
                addAddress(endpoint.endpoint().getAddresses().get(0), endpoint.port(), ready);
            }
        } else {
            Endpoints endpoints = state.get(ResourceKind.ENDPOINTS, serviceRef);
            if (endpoints != null && endpoints.getSubsets() != null) {
                for (EndpointSubset subset : endpoints.getSubsets()) {
                    addReady(subset, portName, ready);
                }
            }
        }
        List<InetSocketAddress> sorted = new ArrayList<>(ready);
        sorted.sort(BY_ADDRESS);
        return sorted;
    }

    /** A ready endpoint of a slice, and the port the slice gives it. */
    private record SliceEndpoint(Endpoint endpoint, int port) {
    }

    private static void addReady(EndpointSlice slice, String portName, List<SliceEndpoint> into) {
        if ("FQDN".equals(slice.getAddressType()) || slice.getPorts() == null || slice.getEndpoints() == null) {
            return;
        }
        Integer port = slice.getPorts().stream()
                .filter(p -> portName.equals(Objects.requireNonNullElse(p.getName(), "")))
                .map(p -> p.getPort()).filter(Objects::nonNull).findFirst().orElse(null);
        if (port == null) {
            return;
        }
        for (Endpoint endpoint : slice.getEndpoints()) {
            // ready unset counts as ready; a terminating endpoint takes no new requests, whatever ready says
            boolean ready = endpoint.getConditions() == null || !Boolean.FALSE.equals(endpoint.getConditions().getReady())
                    && !Boolean.TRUE.equals(endpoint.getConditions().getTerminating());
            if (ready && endpoint.getAddresses() != null && !endpoint.getAddresses().isEmpty()) {
                into.add(new SliceEndpoint(endpoint, port));
            }
        }
    }

    private static void addReady(EndpointSubset subset, String portName, Set<InetSocketAddress> into) {
        if (subset.getPorts() == null || subset.getAddresses() == null) {
            return;
        }
        for (EndpointPort port : subset.getPorts()) {
            if (portName.equals(Objects.requireNonNullElse(port.getName(), "")) && port.getPort() != null) {
                for (EndpointAddress address : subset.getAddresses()) {
                    addAddress(address.getIp(), port.getPort(), into);
                }
            }
        }
    }

    /** Adds an endpoint if its address is an IP literal; anything else is skipped, never looked up. */
    private static void addAddress(String ip, int port, Set<InetSocketAddress> into) {
        byte[] address = ip == null ? null : NetUtil.createByteArrayFromIpAddressString(ip);
        if (address == null) {
            return;
        }
        try {
            into.add(new InetSocketAddress(InetAddress.getByAddress(address), port));
        } catch (UnknownHostException impossible) {
            // getByAddress only throws for a wrong length, which NetUtil never returns
        }
    }

    private static Backend empty(String name) {
        return new Backend(name, List.of());
    }
}

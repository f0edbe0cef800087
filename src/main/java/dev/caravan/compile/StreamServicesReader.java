package dev.caravan.compile;

import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.StreamServices;
import dev.caravan.state.ClusterState;
import dev.caravan.state.ResourceKind;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.networking.v1.IngressServiceBackend;
import io.fabric8.kubernetes.api.model.networking.v1.ServiceBackendPort;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Reads ingress-nginx's {@code --tcp-services-configmap} and {@code --udp-services-configmap}: each key a port, each
 * value {@code NAMESPACE/SERVICE:PORT[:PROXY[:PROXY]]}, the Service port (of the ConfigMap's protocol) by number or name,
 * for TCP the first {@code PROXY} for a PROXY protocol header read off each connection, the second for one sent to the
 * pod. An entry that cannot be used is told and left out; the others are served.
 */
final class StreamServicesReader {

    private static final String PROXY = "PROXY";
    private static final String TCP = "TCP";
    private static final String UDP = "UDP";

    private StreamServicesReader() {
    }

    static StreamServices read(ClusterState state, ControllerSettings settings, BackendResolver resolver) {
        List<String> problems = new ArrayList<>();
        Map<Integer, StreamServices.Service> tcp = read(state, settings.tcpServices(), TCP, resolver, problems);
        Map<Integer, StreamServices.Service> udp = read(state, settings.udpServices(), UDP, resolver, problems);
        // one sentence once: PROXY:PROXY for UDP says the same twice
        return tcp.isEmpty() && udp.isEmpty() && problems.isEmpty() ? StreamServices.NONE
                : new StreamServices(tcp, udp, List.copyOf(new LinkedHashSet<>(problems)));
    }

    /** One protocol's ConfigMap's ports. */
    private static Map<Integer, StreamServices.Service> read(ClusterState state, ObjectRef ref, String protocol,
            BackendResolver resolver, List<String> problems) {
        if (ref == null) {
            return Map.of();
        }
        String what = "--" + protocol.toLowerCase(Locale.ROOT) + "-services-configmap: ConfigMap " + ref;
        ConfigMap configMap = state.get(ResourceKind.CONFIG_MAP, ref);
        if (configMap == null) {
            problems.add(what + " not found: no " + protocol + " port is served");
            return Map.of();
        }
        Map<Integer, StreamServices.Service> byPort = new HashMap<>();
        Map<String, String> data = configMap.getData() == null ? Map.of() : new TreeMap<>(configMap.getData());
        data.forEach((key, value) -> {
            try {
                StreamServices.Service service = entry(key, value, protocol, state, resolver, problems, what);
                StreamServices.Service first = byPort.putIfAbsent(service.port(), service);
                if (first != null) {
                    // "019616" and "19616": one port named twice
                    problems.add(what + ": " + key + ": port " + service.port() + " is named by another key too, for "
                            + first.backend().name() + ": that one is served");
                }
            } catch (IllegalArgumentException e) {
                problems.add(what + ": " + key + ": " + e.getMessage() + ": that port is not served");
            }
        });
        return byPort;
    }

    private static StreamServices.Service entry(String key, String value, String protocol, ClusterState state,
            BackendResolver resolver, List<String> problems, String what) {
        int port = port(key.trim(), "is no port");
        String[] parts = (value == null ? "" : value.trim()).split(":", -1);
        if (parts.length < 2 || parts.length > 4) {
            throw new IllegalArgumentException("'" + value + "' is not NAMESPACE/SERVICE:PORT"
                    + (protocol.equals(TCP) ? "[:PROXY[:PROXY]]" : ""));
        }
        ObjectRef service;
        try {
            service = ObjectRef.parse(parts[0]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + value + "': " + e.getMessage());
        }
        boolean decode = parts.length > 2 && proxy(parts[2], key, protocol, problems, what);
        boolean encode = parts.length > 3 && proxy(parts[3], key, protocol, problems, what);
        String servicePort = parts[1].trim();
        if (servicePort.isEmpty()) {
            throw new IllegalArgumentException("'" + value + "' names no Service port");
        }
        BackendResolver.Resolution resolution = resolver.resolve(service.namespace(),
                new IngressServiceBackend(service.name(), portOf(state, service, servicePort, protocol)));
        boolean unresolved = Problem.NAME_NOT_RESOLVED.equals(resolution.reason());
        if (resolution.problem() != null && !unresolved) {
            throw new IllegalArgumentException(resolution.problem());
        }
        if (unresolved) {
            // as a Service without pods: the port stays, so that a name resolving again needs no new socket
            problems.add(what + ": " + key + ": " + resolution.problem() + ": " + (protocol.equals(TCP)
                    ? "connections to port " + port + " are closed" : "datagrams to port " + port + " are dropped")
                    + " until it does");
        } else if (!resolution.backend().hasEndpoints() && !BackendResolver.LOOKING_UP.equals(resolution.reason())) {
            // served all the same, so that the port is there when a pod is: each connection is closed meanwhile
            problems.add(what + ": " + key + ": service " + service + " has no ready endpoint for port " + servicePort
                    + (protocol.equals(TCP) ? ": connections to port " + port + " are closed until it has one"
                            : ": datagrams to port " + port + " are dropped until it has one"));
        }
        return new StreamServices.Service(port, resolution.backend(), decode, encode);
    }

    /**
     * Whether a flag says PROXY; another word is said and taken as none, as ingress-nginx passes it over, and so is
     * PROXY for UDP, which has no PROXY protocol.
     */
    private static boolean proxy(String part, String key, String protocol, List<String> problems, String what) {
        String flag = part.trim();
        boolean proxy = flag.toUpperCase(Locale.ROOT).equals(PROXY);
        if (!proxy && !flag.isEmpty()) {
            problems.add(what + ": " + key + ": '" + flag + "' is not PROXY: taken as none");
        } else if (proxy && !protocol.equals(TCP)) {
            problems.add(what + ": " + key + ": the PROXY protocol is TCP's: ignored");
            return false;
        }
        return proxy;
    }

    /**
     * The Service's port of that number or name and protocol, as ingress-nginx looks for one (DNS's UDP and TCP ports of
     * one number are two): named by its name where it has one, so that the resolver finds that one.
     */
    private static ServiceBackendPort portOf(ClusterState state, ObjectRef serviceRef, String wanted, String protocol) {
        boolean number = wanted.chars().allMatch(Character::isDigit);
        Service service = state.get(ResourceKind.SERVICE, serviceRef);
        List<ServicePort> ports = service == null || service.getSpec() == null || service.getSpec().getPorts() == null
                ? List.of() : service.getSpec().getPorts();
        boolean named = false;
        for (ServicePort candidate : ports) {
            if (number ? String.valueOf(candidate.getPort()).equals(wanted) : wanted.equals(candidate.getName())) {
                if (Objects.requireNonNullElse(candidate.getProtocol(), TCP).equals(protocol)) {
                    return candidate.getName() == null || candidate.getName().isEmpty()
                            ? new ServiceBackendPort(null, candidate.getPort())
                            : new ServiceBackendPort(candidate.getName(), null);
                }
                named = true;
            }
        }
        if (named) {
            throw new IllegalArgumentException("service " + serviceRef + "'s port " + wanted + " is not " + protocol);
        }
        // as the resolver says it: the Service or its port missing
        return number ? new ServiceBackendPort(null, port(wanted, "is no Service port"))
                : new ServiceBackendPort(wanted, null);
    }

    private static int port(String text, String problem) {
        try {
            int port = Integer.parseInt(text);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // told below
        }
        throw new IllegalArgumentException("'" + text + "' " + problem);
    }
}

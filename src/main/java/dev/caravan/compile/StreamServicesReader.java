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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads ingress-nginx's {@code --tcp-services-configmap}: each key a port, each value
 * {@code NAMESPACE/SERVICE:PORT[:PROXY[:PROXY]]}, the Service port by number or name, the first {@code PROXY} for a
 * PROXY protocol header read off each connection, the second for one sent to the pod. An entry that cannot be used is
 * told and left out; the others are served.
 */
final class StreamServicesReader {

    private static final String PROXY = "PROXY";

    private StreamServicesReader() {
    }

    static StreamServices read(ClusterState state, ControllerSettings settings, BackendResolver resolver) {
        ObjectRef ref = settings.tcpServices();
        if (ref == null) {
            return StreamServices.NONE;
        }
        String what = "--tcp-services-configmap: ConfigMap " + ref;
        ConfigMap configMap = state.get(ResourceKind.CONFIG_MAP, ref);
        if (configMap == null) {
            return new StreamServices(Map.of(), List.of(what + " not found: no TCP port is served"));
        }
        Map<Integer, StreamServices.Service> byPort = new HashMap<>();
        List<String> problems = new ArrayList<>();
        Map<String, String> data = configMap.getData() == null ? Map.of() : new TreeMap<>(configMap.getData());
        data.forEach((key, value) -> {
            try {
                StreamServices.Service service = entry(key, value, state, resolver, problems, what);
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
        return new StreamServices(byPort, problems);
    }

    private static StreamServices.Service entry(String key, String value, ClusterState state, BackendResolver resolver,
            List<String> problems, String what) {
        int port = port(key.trim(), "is no port");
        String[] parts = (value == null ? "" : value.trim()).split(":", -1);
        if (parts.length < 2 || parts.length > 4) {
            throw new IllegalArgumentException("'" + value + "' is not NAMESPACE/SERVICE:PORT[:PROXY[:PROXY]]");
        }
        ObjectRef service;
        try {
            service = ObjectRef.parse(parts[0]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + value + "': " + e.getMessage());
        }
        boolean decode = parts.length > 2 && proxy(parts[2], key, problems, what);
        boolean encode = parts.length > 3 && proxy(parts[3], key, problems, what);
        String servicePort = parts[1].trim();
        if (servicePort.isEmpty()) {
            throw new IllegalArgumentException("'" + value + "' names no Service port");
        }
        BackendResolver.Resolution resolution = resolver.resolve(service.namespace(),
                new IngressServiceBackend(service.name(), tcpPort(state, service, servicePort)));
        if (resolution.problem() != null) {
            throw new IllegalArgumentException(resolution.problem());
        }
        if (!resolution.backend().hasEndpoints()) {
            // served all the same, so that the port is there when a pod is: each connection is closed meanwhile
            problems.add(what + ": " + key + ": service " + service + " has no ready endpoint for port " + servicePort
                    + ": connections to port " + port + " are closed until it has one");
        }
        return new StreamServices.Service(port, resolution.backend(), decode, encode);
    }

    /** Whether a flag says PROXY; another word is said and taken as none, as ingress-nginx passes it over. */
    private static boolean proxy(String part, String key, List<String> problems, String what) {
        String flag = part.trim();
        boolean proxy = flag.toUpperCase(Locale.ROOT).equals(PROXY);
        if (!proxy && !flag.isEmpty()) {
            problems.add(what + ": " + key + ": '" + flag + "' is not PROXY: taken as none");
        }
        return proxy;
    }

    /**
     * The Service's TCP port of that number or name, as ingress-nginx looks for one (a UDP port of the same number,
     * as DNS has, is not it): named by its name where it has one, so that the resolver finds that one.
     */
    private static ServiceBackendPort tcpPort(ClusterState state, ObjectRef serviceRef, String wanted) {
        boolean number = wanted.chars().allMatch(Character::isDigit);
        Service service = state.get(ResourceKind.SERVICE, serviceRef);
        List<ServicePort> ports = service == null || service.getSpec() == null || service.getSpec().getPorts() == null
                ? List.of() : service.getSpec().getPorts();
        boolean named = false;
        for (ServicePort candidate : ports) {
            if (number ? String.valueOf(candidate.getPort()).equals(wanted) : wanted.equals(candidate.getName())) {
                if (candidate.getProtocol() == null || candidate.getProtocol().equals("TCP")) {
                    return candidate.getName() == null || candidate.getName().isEmpty()
                            ? new ServiceBackendPort(null, candidate.getPort())
                            : new ServiceBackendPort(candidate.getName(), null);
                }
                named = true;
            }
        }
        if (named) {
            throw new IllegalArgumentException("service " + serviceRef + "'s port " + wanted + " is not TCP");
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

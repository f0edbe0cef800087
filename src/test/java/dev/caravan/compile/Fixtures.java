package dev.caravan.compile;

import dev.caravan.routing.ObjectRef;
import dev.caravan.state.Change;
import dev.caravan.state.ClusterState;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.EndpointSubsetBuilder;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditionsBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPathBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressRuleValueBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackendBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClassBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.ServiceBackendPort;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small DSL for building the Kubernetes objects of compiler test cases with the fabric8 builders,
 * so that each case reads as "these objects in".
 *
 * <p>Conventions: references are written {@code "namespace/name"}; a backend is written
 * {@code "service:port"} where a numeric port is a port number and anything else a port name; an
 * endpoint is written {@code "ip:port"}.
 */
final class Fixtures {

    static final String OUR_CONTROLLER = ControllerSettings.DEFAULT_CONTROLLER_CLASS;
    static final String OUR_CLASS = ControllerSettings.DEFAULT_INGRESS_CLASS;
    static final String CLASS_ANNOTATION = "kubernetes.io/ingress.class";
    static final String DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class";
    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    private Fixtures() {
    }

    // ---------------------------------------------------------------- state

    /** A cluster state holding the objects; arguments may be objects or collections of them. */
    static ClusterState state(Object... objects) {
        List<Change> changes = new ArrayList<>();
        for (HasMetadata object : flatten(objects)) {
            changes.add(Change.upsert(object));
        }
        return ClusterState.EMPTY.with(changes);
    }

    static List<HasMetadata> flatten(Object... objects) {
        List<HasMetadata> flat = new ArrayList<>();
        for (Object object : objects) {
            if (object instanceof HasMetadata single) {
                flat.add(single);
            } else if (object instanceof IngressFixture ingress) {
                flat.add(ingress.build());
            } else if (object instanceof Collection<?> many) {
                flat.addAll(flatten(many.toArray()));
            } else if (object instanceof Object[] array) {
                flat.addAll(flatten(array));
            } else {
                throw new IllegalArgumentException("not a Kubernetes object: " + object);
            }
        }
        return flat;
    }

    static ControllerSettings settings() {
        return ControllerSettings.defaults();
    }

    static ControllerSettings settingsWithDefaultBackend(String serviceRef) {
        return new ControllerSettings(OUR_CLASS, OUR_CONTROLLER, false, ObjectRef.parse(serviceRef));
    }

    static ControllerSettings settingsWatchingIngressWithoutClass() {
        return new ControllerSettings(OUR_CLASS, OUR_CONTROLLER, true, null);
    }

    static ControllerSettings settingsWithClass(String ingressClass) {
        return new ControllerSettings(ingressClass, OUR_CONTROLLER, false, null);
    }

    /**
     * @param crossNamespace     --allow-cross-namespace-resources
     * @param annotationDefaults the flags' annotation values (names unprefixed)
     * @param disableCatchAll    --disable-catch-all
     */
    static ControllerSettings settings(boolean crossNamespace, Map<String, String> annotationDefaults,
            boolean disableCatchAll) {
        return new ControllerSettings(OUR_CLASS, OUR_CONTROLLER, false, null, false, crossNamespace, Set.of(), null,
                null, annotationDefaults, Map.of(), List.of(), null, null, true, disableCatchAll, null);
    }

    // ---------------------------------------------------------------- ingress classes

    /** An IngressClass of the given controller. */
    static IngressClass ingressClass(String name, String controller) {
        return new IngressClassBuilder()
                .withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withController(controller).endSpec()
                .build();
    }

    /** An IngressClass of the given controller carrying {@code is-default-class: value}. */
    static IngressClass defaultIngressClass(String name, String controller, String value) {
        return new IngressClassBuilder(ingressClass(name, controller))
                .editMetadata().addToAnnotations(DEFAULT_CLASS_ANNOTATION, value).endMetadata()
                .build();
    }

    /** Our IngressClass, named {@code caravan}. */
    static IngressClass caravanClass() {
        return ingressClass(OUR_CLASS, OUR_CONTROLLER);
    }

    // ---------------------------------------------------------------- ingresses

    /** An Ingress named {@code "namespace/name"} of class {@code caravan}; see {@link IngressFixture}. */
    static IngressFixture ingress(String ref) {
        return new IngressFixture(ObjectRef.parse(ref));
    }

    /** A rule; {@code host} may be {@code null} for a rule without a host. */
    static IngressRule rule(String host, HTTPIngressPath... paths) {
        IngressRuleBuilder rule = new IngressRuleBuilder().withHost(host);
        if (paths.length > 0) {
            rule.withHttp(new HTTPIngressRuleValueBuilder().withPaths(paths).build());
        }
        return rule.build();
    }

    static HTTPIngressPath prefix(String path, String backend) {
        return path("Prefix", path, backend);
    }

    static HTTPIngressPath exact(String path, String backend) {
        return path("Exact", path, backend);
    }

    static HTTPIngressPath implementationSpecific(String path, String backend) {
        return path("ImplementationSpecific", path, backend);
    }

    /** A path of any (possibly invalid or {@code null}) path type. */
    static HTTPIngressPath path(String pathType, String path, String backend) {
        return new HTTPIngressPathBuilder()
                .withPathType(pathType)
                .withPath(path)
                .withBackend(backend(backend))
                .build();
    }

    /** {@code "service:80"} (a port number) or {@code "service:http"} (a port name). */
    static IngressBackend backend(String serviceColonPort) {
        int colon = serviceColonPort.lastIndexOf(':');
        String service = serviceColonPort.substring(0, colon);
        String port = serviceColonPort.substring(colon + 1);
        ServiceBackendPort backendPort = port.chars().allMatch(Character::isDigit)
                ? new ServiceBackendPort(null, Integer.valueOf(port))
                : new ServiceBackendPort(port, null);
        return backend(service, backendPort);
    }

    static IngressBackend backend(String service, ServiceBackendPort port) {
        return new IngressBackendBuilder()
                .withNewService().withName(service).withPort(port).endService()
                .build();
    }

    /** A fluent Ingress under construction; by default of class {@code caravan} and without a timestamp. */
    static final class IngressFixture {

        private final ObjectRef ref;
        private String className = OUR_CLASS;
        private final Map<String, String> annotations = new LinkedHashMap<>();
        private String created;
        private final List<IngressRule> rules = new ArrayList<>();
        private IngressBackend defaultBackend;

        private IngressFixture(ObjectRef ref) {
            this.ref = ref;
        }

        IngressFixture className(String name) {
            this.className = name;
            return this;
        }

        /** Names no class at all: neither {@code spec.ingressClassName} nor the annotation. */
        IngressFixture noClass() {
            this.className = null;
            annotations.remove(CLASS_ANNOTATION);
            return this;
        }

        /** The legacy {@code kubernetes.io/ingress.class} annotation instead of {@code spec.ingressClassName}. */
        IngressFixture classAnnotation(String value) {
            this.className = null;
            annotations.put(CLASS_ANNOTATION, value);
            return this;
        }

        IngressFixture annotation(String name, String value) {
            annotations.put(name, value);
            return this;
        }

        /** {@code metadata.creationTimestamp}, e.g. {@code "2024-01-01T00:00:00Z"}. */
        IngressFixture created(String timestamp) {
            this.created = timestamp;
            return this;
        }

        IngressFixture rule(String host, HTTPIngressPath... paths) {
            rules.add(Fixtures.rule(host, paths));
            return this;
        }

        /** Paths of a rule without a host. */
        IngressFixture anyHost(HTTPIngressPath... paths) {
            return rule(null, paths);
        }

        IngressFixture defaultBackend(String serviceColonPort) {
            this.defaultBackend = backend(serviceColonPort);
            return this;
        }

        IngressFixture defaultBackend(IngressBackend backend) {
            this.defaultBackend = backend;
            return this;
        }

        Ingress build() {
            return new IngressBuilder()
                    .withNewMetadata()
                        .withNamespace(ref.namespace())
                        .withName(ref.name())
                        .withCreationTimestamp(created)
                        .withAnnotations(annotations.isEmpty() ? null : new LinkedHashMap<>(annotations))
                    .endMetadata()
                    .withNewSpec()
                        .withIngressClassName(className)
                        .withRules(rules.isEmpty() ? null : new ArrayList<>(rules))
                        .withDefaultBackend(defaultBackend)
                    .endSpec()
                    .build();
        }
    }

    // ---------------------------------------------------------------- services and endpoints

    /** A Service port: number, optional name (may be {@code null}), target port. */
    static ServicePort port(String name, int port, int targetPort) {
        return new ServicePortBuilder()
                .withName(name)
                .withPort(port)
                .withTargetPort(new IntOrString(targetPort))
                .withProtocol("TCP")
                .build();
    }

    static Service service(String ref, ServicePort... ports) {
        ObjectRef at = ObjectRef.parse(ref);
        return new ServiceBuilder()
                .withNewMetadata().withNamespace(at.namespace()).withName(at.name()).endMetadata()
                .withNewSpec().withPorts(ports).endSpec()
                .build();
    }

    /** An EndpointSlice port: name (may be {@code null} or empty) and number. */
    static EndpointPort slicePort(String name, int port) {
        return new EndpointPortBuilder().withName(name).withPort(port).withProtocol("TCP").build();
    }

    static Endpoint ready(String ip) {
        return endpoint(ip, true);
    }

    static Endpoint notReady(String ip) {
        return endpoint(ip, false);
    }

    /** A pod shutting down: still serving its connections, ready as far as it knows, terminating. */
    static Endpoint terminating(String ip) {
        return new EndpointBuilder().withAddresses(ip).withConditions(new EndpointConditionsBuilder().withReady(true)
                .withServing(true).withTerminating(true).build()).build();
    }

    /** An endpoint with {@code conditions: {}}: readiness unknown, which counts as ready. */
    static Endpoint readyUnset(String ip) {
        return new EndpointBuilder().withAddresses(ip).withConditions(new EndpointConditionsBuilder().build()).build();
    }

    /** An endpoint with no {@code conditions} at all. */
    static Endpoint noConditions(String ip) {
        return new EndpointBuilder().withAddresses(ip).build();
    }

    private static Endpoint endpoint(String ip, boolean ready) {
        return new EndpointBuilder()
                .withAddresses(ip)
                .withConditions(new EndpointConditionsBuilder().withReady(ready).build())
                .build();
    }

    /** An IPv4 EndpointSlice named {@code ref}, labelled as belonging to {@code service} in the same namespace. */
    static EndpointSlice slice(String ref, String service, List<EndpointPort> ports, Endpoint... endpoints) {
        ObjectRef at = ObjectRef.parse(ref);
        return new EndpointSliceBuilder()
                .withNewMetadata()
                    .withNamespace(at.namespace())
                    .withName(at.name())
                    .addToLabels(SERVICE_NAME_LABEL, service)
                .endMetadata()
                .withAddressType("IPv4")
                .withPorts(ports)
                .withEndpoints(endpoints)
                .build();
    }

    /** An EndpointSlice without the service-name label. */
    static EndpointSlice unlabelledSlice(String ref, List<EndpointPort> ports, Endpoint... endpoints) {
        EndpointSlice slice = slice(ref, "unused", ports, endpoints);
        slice.getMetadata().setLabels(null);
        return slice;
    }

    /** A legacy Endpoints object: ready addresses, not-ready addresses, ports. */
    static Endpoints endpoints(String ref, List<String> ready, List<String> notReady,
            List<io.fabric8.kubernetes.api.model.EndpointPort> ports) {
        ObjectRef at = ObjectRef.parse(ref);
        EndpointSubset subset = new EndpointSubsetBuilder()
                .withAddresses(endpointAddresses(ready))
                .withNotReadyAddresses(endpointAddresses(notReady))
                .withPorts(ports)
                .build();
        return new EndpointsBuilder()
                .withNewMetadata().withNamespace(at.namespace()).withName(at.name()).endMetadata()
                .withSubsets(subset)
                .build();
    }

    static io.fabric8.kubernetes.api.model.EndpointPort endpointsPort(String name, int port) {
        return new io.fabric8.kubernetes.api.model.EndpointPort(null, name, port, "TCP");
    }

    private static List<EndpointAddress> endpointAddresses(List<String> ips) {
        return ips.stream().map(ip -> new EndpointAddressBuilder().withIp(ip).build()).toList();
    }

    /**
     * The common case, shortened: a Service {@code ref} with one unnamed port 80 targeting 8080 and an
     * EndpointSlice with the given ready pod IPs on 8080. Its backend is {@code "ref:80"} and its
     * endpoints are {@code "ip:8080"}.
     */
    static List<HasMetadata> app(String ref, String... readyIps) {
        ObjectRef at = ObjectRef.parse(ref);
        Endpoint[] endpoints = Arrays.stream(readyIps).map(Fixtures::ready).toArray(Endpoint[]::new);
        return List.of(
                service(ref, port(null, 80, 8080)),
                slice(at.namespace() + "/" + at.name() + "-abcde", at.name(), List.of(slicePort("", 8080)), endpoints));
    }

    // ---------------------------------------------------------------- expectations

    /** {@code "10.0.0.1:8080"} as an address, without any name lookup. */
    static InetSocketAddress address(String ipColonPort) {
        int colon = ipColonPort.lastIndexOf(':');
        try {
            InetAddress ip = InetAddress.getByAddress(parseIpv4(ipColonPort.substring(0, colon)));
            return new InetSocketAddress(ip, Integer.parseInt(ipColonPort.substring(colon + 1)));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(ipColonPort, e);
        }
    }

    private static byte[] parseIpv4(String ip) {
        String[] parts = ip.split("\\.");
        if (parts.length != 4) {
            throw new IllegalArgumentException("test addresses are dotted IPv4: " + ip);
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            bytes[i] = (byte) Integer.parseInt(parts[i]);
        }
        return bytes;
    }

    static List<InetSocketAddress> addresses(String... ipColonPorts) {
        return Arrays.stream(ipColonPorts).map(Fixtures::address).toList();
    }
}

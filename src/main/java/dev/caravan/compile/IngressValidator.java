package dev.caravan.compile;

import dev.caravan.routing.PathType;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressServiceBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The Ingress v1 validation the API server would apply, for objects that never passed one (manifest
 * files) and as a guard for those that did. Returns the reasons an Ingress cannot be served.
 */
public final class IngressValidator {

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final String[] INVALID_PATH_SEQUENCES = {"//", "/./", "/../", "%2f", "%2F"};
    private static final Pattern IPV4 = Pattern.compile("[0-9]+(\\.[0-9]+){3}");

    List<String> validate(Ingress ingress) {
        List<String> reasons = new ArrayList<>();
        if (ingress.getSpec() == null) {
            reasons.add("spec is missing");
            return reasons;
        }
        IngressBackend defaultBackend = ingress.getSpec().getDefaultBackend();
        if (defaultBackend != null) {
            validateBackend(defaultBackend, "spec.defaultBackend", reasons);
        }
        List<IngressRule> rules = ingress.getSpec().getRules() == null ? List.of() : ingress.getSpec().getRules();
        if (rules.isEmpty() && defaultBackend == null) {
            reasons.add("spec has neither rules nor a defaultBackend");
        }
        for (int r = 0; r < rules.size(); r++) {
            IngressRule rule = rules.get(r);
            String at = "spec.rules[" + r + "]";
            if (rule.getHost() != null && !rule.getHost().isEmpty()) {
                validateHost(rule.getHost(), at + ".host", reasons);
            }
            if (rule.getHttp() == null) {
                continue;
            }
            List<HTTPIngressPath> paths = rule.getHttp().getPaths();
            if (paths == null || paths.isEmpty()) {
                reasons.add(at + ".http.paths: must have at least one path");
                continue;
            }
            for (int p = 0; p < paths.size(); p++) {
                validatePath(paths.get(p), at + ".http.paths[" + p + "]", reasons);
            }
        }
        return reasons;
    }

    /**
     * A copy of an invalid Ingress with only what validates (its rules with a valid host and their valid paths, its
     * valid defaultBackend), or {@code null} if nothing does: what a denied Ingress can still hold so that no other
     * Ingress's rule takes its requests.
     */
    Ingress validPart(Ingress ingress) {
        if (ingress.getSpec() == null) {
            return null;
        }
        List<IngressRule> rules = new ArrayList<>();
        for (IngressRule rule : ingress.getSpec().getRules() == null ? List.<IngressRule>of()
                : ingress.getSpec().getRules()) {
            if (rule.getHost() != null && !rule.getHost().isEmpty() && !isHost(rule.getHost())) {
                continue;
            }
            List<HTTPIngressPath> paths = new ArrayList<>();
            if (rule.getHttp() != null && rule.getHttp().getPaths() != null) {
                for (HTTPIngressPath path : rule.getHttp().getPaths()) {
                    List<String> reasons = new ArrayList<>();
                    validatePath(path, "", reasons);
                    if (reasons.isEmpty()) {
                        paths.add(path);
                    }
                }
            }
            if (!paths.isEmpty()) {
                rules.add(new IngressRuleBuilder(rule).withNewHttp().withPaths(paths).endHttp().build());
            }
        }
        IngressBackend defaultBackend = ingress.getSpec().getDefaultBackend();
        if (defaultBackend != null) {
            List<String> reasons = new ArrayList<>();
            validateBackend(defaultBackend, "", reasons);
            defaultBackend = reasons.isEmpty() ? defaultBackend : null;
        }
        if (rules.isEmpty() && defaultBackend == null) {
            return null;
        }
        return new IngressBuilder(ingress).editSpec().withRules(rules).withDefaultBackend(defaultBackend).endSpec()
                .build();
    }

    private static void validateHost(String host, String at, List<String> reasons) {
        if (!isHost(host)) {
            reasons.add(at + ": '" + host + "' is not a lower-case DNS name or a '*.' wildcard of one");
        }
    }

    /** Whether {@code host} is a host an Ingress rule may name: a lower-case DNS name, or a {@code *.} wildcard of one. */
    public static boolean isHost(String host) {
        String name = host.startsWith("*.") ? host.substring(2) : host;
        boolean valid = name.length() <= 253 && !IPV4.matcher(name).matches() && !name.contains("*");
        for (String label : name.split("\\.", -1)) {
            valid &= DNS_LABEL.matcher(label).matches();
        }
        return valid;
    }

    private static void validatePath(HTTPIngressPath path, String at, List<String> reasons) {
        if (path.getPathType() == null || path.getPathType().isEmpty()) {
            reasons.add(at + ".pathType: required (Exact, Prefix or ImplementationSpecific)");
        } else if (PathType.fromApiName(path.getPathType()) == null) {
            reasons.add(at + ".pathType: '" + path.getPathType() + "' is not Exact, Prefix or ImplementationSpecific");
        }
        String value = path.getPath();
        boolean implementationSpecific = PathType.IMPLEMENTATION_SPECIFIC.apiName().equals(path.getPathType());
        if (value == null || value.isEmpty()) {
            // the API server lets only ImplementationSpecific leave the path out; it then matches every path
            if (!implementationSpecific) {
                reasons.add(at + ".path: required for pathType " + path.getPathType());
            }
        } else if (!value.startsWith("/")) {
            reasons.add(at + ".path: must be an absolute path starting with '/'");
        } else if (!value.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != '?' && c != '#')) {
            reasons.add(at + ".path: '" + value + "' has a space, a control or non-ASCII character, '?' or '#'");
        } else if (!implementationSpecific && hasInvalidSequence(value)) {
            reasons.add(at + ".path: '" + value + "' must not contain '//', '/./', '/../', '%2f' or end in '/.' or '/..'");
        }
        if (path.getBackend() == null) {
            reasons.add(at + ".backend: required");
        } else {
            validateBackend(path.getBackend(), at + ".backend", reasons);
        }
    }

    /** What the API server refuses in Exact and Prefix paths (they could not be matched as written). */
    private static boolean hasInvalidSequence(String path) {
        for (String sequence : INVALID_PATH_SEQUENCES) {
            if (path.contains(sequence)) {
                return true;
            }
        }
        return path.endsWith("/..") || path.endsWith("/.");
    }

    static final String CAMEL_ROUTE_GROUP = "caravan.dev";
    static final String CAMEL_ROUTE_KIND = "CamelRoute";

    /** Whether a backend is Caravan's resource backend, a Camel route of the routes folder. */
    static boolean isCamelRoute(IngressBackend backend) {
        return backend.getResource() != null && CAMEL_ROUTE_GROUP.equals(backend.getResource().getApiGroup())
                && CAMEL_ROUTE_KIND.equals(backend.getResource().getKind());
    }

    /**
     * What a resource backend of a kind Caravan does not serve is, for the warning that it is skipped, as
     * ingress-nginx skips backends that are not Services; {@code null} for a Service or a Camel route.
     */
    static String foreignResource(IngressBackend backend) {
        if (backend == null || backend.getResource() == null || isCamelRoute(backend)) {
            return null;
        }
        var resource = backend.getResource();
        return "resource " + resource.getKind() + (resource.getApiGroup() == null ? "" : "." + resource.getApiGroup())
                + " " + resource.getName() + " is not served (only Services and caravan.dev CamelRoutes are), as"
                + " ingress-nginx skips it";
    }

    private static void validateBackend(IngressBackend backend, String at, List<String> reasons) {
        IngressServiceBackend service = backend.getService();
        if (backend.getResource() != null) {
            // another kind of resource is not an error of the Ingress: its path is skipped (HostTableBuilder)
            // any other name is looked for among the routes loaded (ids are not restricted there): one not found
            // answers 503, warned of
            String name = backend.getResource().getName();
            if (isCamelRoute(backend) && (name == null || name.isEmpty())) {
                reasons.add(at + ".resource.name: required, the id of a Camel route");
            }
            return;
        }
        if (service == null) {
            reasons.add(at + ": must name a service");
            return;
        }
        if (service.getName() == null || service.getName().isEmpty()) {
            reasons.add(at + ".service.name: required");
        }
        var port = service.getPort();
        boolean hasNumber = port != null && port.getNumber() != null;
        boolean hasName = port != null && port.getName() != null && !port.getName().isEmpty();
        if (hasNumber == hasName) {
            reasons.add(at + ".service.port: exactly one of number or name is required");
        } else if (hasNumber && (port.getNumber() < 1 || port.getNumber() > 65535)) {
            reasons.add(at + ".service.port.number: " + port.getNumber() + " is not a port (1-65535)");
        }
    }
}

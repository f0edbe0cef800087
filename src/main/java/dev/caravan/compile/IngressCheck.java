package dev.caravan.compile;

import dev.caravan.compile.annotation.AnnotationCatalog;
import dev.caravan.compile.annotation.AnnotationFinding;
import dev.caravan.compile.annotation.AnnotationParser;
import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.RoutePolicy;
import dev.caravan.state.ClusterState;
import dev.caravan.state.ResourceKind;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.IngressTLS;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What Caravan would make of one Ingress on its own, annotation by annotation: the answer to "can I
 * move this Ingress from ingress-nginx?", without a cluster. The Secrets and ConfigMaps it names are
 * read as the server reads them when they are among the objects given; those that are not are listed
 * as unchecked.
 */
public final class IngressCheck {

    /** One annotation's verdict: supported, unsupported, refused or invalid, and why. */
    public record Verdict(String annotation, String value, String verdict, String why) {
    }

    /**
     * @param notOurs  why Caravan, as configured, would not claim it; {@code null} when it would
     * @param problems validation errors of the Ingress itself
     * @param warnings what would be served otherwise than written, beyond the annotations (regex paths taken literally)
     * @param objectProblems what is wrong with the Secrets and ConfigMaps its annotations name: not served until fixed
     * @param unchecked the Secrets and ConfigMaps it names that are not among the objects given, each with what names it
     * @param served   whether it would be served ("served without" some annotations still counts)
     * @param denied   when not served, whether its paths would answer 503 instead: it asks for access control
     */
    public record Report(String notOurs, List<Verdict> annotations, List<String> problems, List<String> warnings,
            List<String> objectProblems, List<String> unchecked, boolean served, boolean complete, boolean denied) {
    }

    private IngressCheck() {
    }

    /** Why {@code --disable-catch-all} ignores an Ingress: what the admission webhook refuses, as ingress-nginx's. */
    public static final String CATCH_ALL = "it has a spec.defaultBackend, and --disable-catch-all ignores such Ingresses";

    /**
     * @param settings the classes and the allowed response headers Caravan would run with
     * @param known    the IngressClasses, Secrets and ConfigMaps read along with the Ingress
     * @param tlsSecretProblem why a TLS Secret cannot be served for the hosts given, or {@code null} when it can
     */
    public static Report check(Ingress ingress, ControllerSettings settings, ClusterState known,
            TlsSecretCheck tlsSecretProblem) {
        Map<String, String> annotations = new TreeMap<>();
        if (ingress.getMetadata().getAnnotations() != null) {
            annotations.putAll(ingress.getMetadata().getAnnotations());
        }
        // read as the server reads it: with the flags' values of what it does not set (the verdicts are its own's)
        AnnotationParser.Parsed parsed = settings.parse(annotations, ClusterState.refOf(ingress).namespace());
        List<Verdict> verdicts = new ArrayList<>();
        annotations.forEach((name, value) -> {
            AnnotationFinding finding = parsed.findings().stream().filter(f -> f.annotation().equals(name))
                    .findFirst().orElse(null);
            if (name.equals(AnnotationParser.REQUEST_ROUTE)) {
                verdicts.add(finding == null ? new Verdict(name, value, "supported", "this Camel route runs before"
                        + " each request is proxied") : new Verdict(name, value, "invalid", finding.message()));
                return;
            }
            if (!name.startsWith(AnnotationCatalog.PREFIX)) {
                return;
            }
            AnnotationCatalog.Entry entry = AnnotationCatalog.lookup(name.substring(AnnotationCatalog.PREFIX.length()));
            String shown = value == null ? "" : value.replace("\n", "\\n");
            if (finding == null && entry.support() != AnnotationCatalog.Support.SUPPORTED) {
                verdicts.add(new Verdict(name, shown, "supported", "what Caravan does anyway"));
            } else if (finding == null) {
                verdicts.add(new Verdict(name, shown, "supported", entry.note()));
            } else {
                verdicts.add(new Verdict(name, shown, finding.kind().name().toLowerCase(), finding.message()));
            }
        });
        String notOurs = new IngressClassMatcher(settings, known).whyNotOurs(ingress);
        if (notOurs == null && IngressSelection.Selector.ignoredAsCatchAll(settings, ingress)) {
            notOurs = CATCH_ALL;
        }
        List<String> problems = new IngressValidator().validate(ingress);
        List<String> warnings = new ArrayList<>();
        List<String> objectProblems = new ArrayList<>();
        Set<String> unchecked = new LinkedHashSet<>();
        if (problems.isEmpty()) {
            warnings.addAll(RegexPaths.takenLiterally(ingress, parsed.policy()));
            if (ingress.getSpec() != null) {
                // a rule without a host, or a defaultBackend of an Ingress without rules, serves any Host a client sends
                boolean anyHost = ingress.getSpec().getRules() == null || ingress.getSpec().getRules().isEmpty()
                        ? ingress.getSpec().getDefaultBackend() != null
                        : ingress.getSpec().getRules().stream().anyMatch(rule -> rule.getHost() == null
                                || rule.getHost().isEmpty());
                String hostless = anyHost ? HostTableBuilder.hostlessAuthUrl(null, parsed.policy()) : null;
                if (hostless != null) {
                    warnings.add(hostless);
                }
            }
            if (!parsed.blocked()) {
                readObjects(parsed.policy(), new AnnotationObjects(known, settings.allowedResponseHeaders()), known,
                        objectProblems, warnings, unchecked);
            }
            readTlsSecrets(ingress, known, tlsSecretProblem, warnings, unchecked);
        }
        boolean served = notOurs == null && problems.isEmpty() && !parsed.blocked() && objectProblems.isEmpty();
        boolean complete = served && parsed.findings().isEmpty() && warnings.isEmpty();
        // a canary is not served at all: its share goes to the main Ingress
        boolean denied = notOurs == null && !served && IngressSelection.Selector.asksForAccessControl(settings.effective(annotations))
                && !IngressSelection.Selector.asksToBeCanary(ingress);
        return new Report(notOurs, verdicts, problems, List.copyOf(warnings), List.copyOf(objectProblems),
                List.copyOf(unchecked), served, complete, denied);
    }

    /** How a TLS Secret is judged, as the server judges it ({@code dev.caravan.tls.TlsSecretReader#problem}). */
    public interface TlsSecretCheck {
        /** What keeps {@code secret} from serving {@code hosts} (lower case), or {@code null}. */
        String problem(ObjectRef ref, Secret secret, List<String> hosts);
    }

    private record Named(String annotation, ResourceKind kind, ObjectRef ref, Reader reader) {
    }

    private interface Reader {
        RoutePolicy read(AnnotationObjects objects, RoutePolicy policy, Set<ObjectRef> read);
    }

    /**
     * Reads each object its annotations name on its own, as the server would read it, so that one missing from the
     * objects given does not hide what is wrong with another.
     */
    private static void readObjects(RoutePolicy policy, AnnotationObjects objects, ClusterState known,
            List<String> problems, List<String> warnings, Set<String> unchecked) {
        List<Named> named = new ArrayList<>();
        if (policy.userAuth() != null) {
            named.add(new Named("auth-secret", ResourceKind.SECRET, policy.userAuth().secret(),
                    AnnotationObjects::withUsers));
        }
        if (policy.clientCertificates() != null && policy.clientCertificates().secret() != null) {
            named.add(new Named("auth-tls-secret", ResourceKind.SECRET, policy.clientCertificates().secret(),
                    AnnotationObjects::withAuthority));
        }
        // a canary's ConfigMaps are not read: its requests are answered under the main Ingress's policy
        if (policy.canary() == null && policy.customHeaders() != null) {
            named.add(new Named("custom-headers", ResourceKind.CONFIG_MAP, policy.customHeaders().configMap(),
                    AnnotationObjects::withCustomHeaders));
        }
        if (policy.canary() == null && policy.externalAuth() != null && policy.externalAuth().requestHeaders() != null) {
            named.add(new Named("auth-proxy-set-headers", ResourceKind.CONFIG_MAP,
                    policy.externalAuth().requestHeaders().configMap(), AnnotationObjects::withAuthRequestHeaders));
        }
        for (Named object : named) {
            if (known.get(object.kind(), object.ref()) == null) {
                unchecked.add(object.kind().kindName() + " " + object.ref() + " (" + AnnotationCatalog.PREFIX
                        + object.annotation() + ")");
                continue;
            }
            try {
                object.reader().read(objects, policy, new HashSet<>());
            } catch (IllegalArgumentException e) {
                if (object.annotation().equals("auth-tls-secret")) {
                    // as the server: the hosts stay, every request refused
                    warnings.add(e.getMessage() + "; every request for its hosts gets 403");
                } else {
                    problems.add(e.getMessage());
                }
            }
        }
    }

    /** Its spec.tls Secrets: one that cannot be served leaves its hosts with the default certificate. */
    private static void readTlsSecrets(Ingress ingress, ClusterState known,
            TlsSecretCheck tlsSecretProblem, List<String> warnings, Set<String> unchecked) {
        if (ingress.getSpec().getTls() == null) {
            return;
        }
        String namespace = ClusterState.refOf(ingress).namespace();
        for (IngressTLS tls : ingress.getSpec().getTls()) {
            if (tls == null || tls.getSecretName() == null || tls.getSecretName().isEmpty()) {
                continue;
            }
            ObjectRef ref = new ObjectRef(namespace, tls.getSecretName());
            Secret secret = known.get(ResourceKind.SECRET, ref);
            if (secret == null) {
                unchecked.add(ResourceKind.SECRET.kindName() + " " + ref + " (spec.tls)");
                continue;
            }
            List<String> hosts = tls.getHosts() == null ? List.of() : tls.getHosts().stream()
                    .filter(host -> host != null && !host.isEmpty()).map(host -> host.toLowerCase(Locale.ROOT)).toList();
            String problem = tlsSecretProblem.problem(ref, secret, hosts);
            if (problem != null) {
                warnings.add("TLS Secret " + ref + ": " + problem);
            }
        }
    }
    /** The user Camel routes the Ingress's backends name (CamelRoute resources), in the order written. */
    public static Set<String> camelRouteBackends(Ingress ingress) {
        Set<String> routes = new LinkedHashSet<>();
        if (ingress.getSpec() == null) {
            return routes;
        }
        addCamelRoute(routes, ingress.getSpec().getDefaultBackend());
        if (ingress.getSpec().getRules() != null) {
            for (IngressRule rule : ingress.getSpec().getRules()) {
                if (rule.getHttp() != null && rule.getHttp().getPaths() != null) {
                    rule.getHttp().getPaths().forEach(path -> addCamelRoute(routes, path.getBackend()));
                }
            }
        }
        return routes;
    }

    private static void addCamelRoute(Set<String> routes, IngressBackend backend) {
        if (backend != null && IngressValidator.isCamelRoute(backend) && backend.getResource().getName() != null) {
            routes.add(backend.getResource().getName());
        }
    }
}

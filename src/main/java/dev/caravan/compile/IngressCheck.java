package dev.caravan.compile;

import dev.caravan.compile.annotation.AnnotationCatalog;
import dev.caravan.compile.annotation.AnnotationFinding;
import dev.caravan.compile.annotation.AnnotationParser;
import dev.caravan.state.ClusterState;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What Caravan would make of one Ingress on its own, annotation by annotation: the answer to "can I
 * move this Ingress from ingress-nginx?", without a cluster.
 */
public final class IngressCheck {

    /** One annotation's verdict: supported, unsupported, refused or invalid, and why. */
    public record Verdict(String annotation, String value, String verdict, String why) {
    }

    /**
     * @param notOurs  why Caravan, as configured, would not claim it; {@code null} when it would
     * @param problems validation errors of the Ingress itself
     * @param warnings what would be served otherwise than written, beyond the annotations (regex paths taken literally)
     * @param served   whether it would be served ("served without" some annotations still counts)
     * @param denied   when not served, whether its paths would answer 503 instead: it asks for access control
     */
    public record Report(String notOurs, List<Verdict> annotations, List<String> problems, List<String> warnings,
            boolean served, boolean complete, boolean denied) {
    }

    private IngressCheck() {
    }

    /**
     * @param settings the classes Caravan would run with
     * @param classes  the IngressClasses known (those read along with the Ingress)
     */
    public static Report check(Ingress ingress, ControllerSettings settings, ClusterState classes) {
        Map<String, String> annotations = new TreeMap<>();
        if (ingress.getMetadata().getAnnotations() != null) {
            annotations.putAll(ingress.getMetadata().getAnnotations());
        }
        AnnotationParser.Parsed parsed = AnnotationParser.parse(annotations,
                ClusterState.refOf(ingress).namespace(), settings.crossNamespaceSecrets());
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
        String notOurs = new IngressClassMatcher(settings, classes).whyNotOurs(ingress);
        List<String> problems = new IngressValidator().validate(ingress);
        boolean served = notOurs == null && problems.isEmpty() && !parsed.blocked();
        List<String> warnings = problems.isEmpty() ? RegexPaths.takenLiterally(ingress, parsed.policy()) : List.of();
        boolean complete = served && parsed.findings().isEmpty() && warnings.isEmpty();
        boolean denied = notOurs == null && !served && IngressSelection.Selector.asksForAccessControl(ingress);
        return new Report(notOurs, verdicts, problems, warnings, served, complete, denied);
    }
}

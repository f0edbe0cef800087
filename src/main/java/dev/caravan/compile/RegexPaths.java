package dev.caravan.compile;

import dev.caravan.routing.PathRegex;
import dev.caravan.routing.RoutePolicy;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import java.util.ArrayList;
import java.util.List;

/**
 * The paths an Ingress makes regexes by itself ({@code use-regex}, or a {@code rewrite-target} other than the
 * path) that are no regex: Caravan matches those literally, where ingress-nginx's nginx would refuse its
 * whole configuration. Another Ingress on the same host can make a path a regex too; the compiler
 * reports those ({@link HostTableBuilder}).
 */
final class RegexPaths {

    private RegexPaths() {
    }

    /** One sentence per path of {@code ingress} taken literally, for warnings. */
    static List<String> takenLiterally(Ingress ingress, RoutePolicy policy) {
        List<String> warnings = new ArrayList<>();
        if (policy.canary() != null) {
            // a canary's paths are matched as its main Ingress's: they make no regex by themselves
            return warnings;
        }
        List<IngressRule> rules = ingress.getSpec() == null || ingress.getSpec().getRules() == null ? List.of()
                : ingress.getSpec().getRules();
        for (IngressRule rule : rules) {
            if (rule.getHttp() == null || rule.getHttp().getPaths() == null) {
                continue;
            }
            for (HTTPIngressPath path : rule.getHttp().getPaths()) {
                String why = path.getPath() != null && policy.makesRegex(path.getPath())
                        ? PathRegex.of(path.getPath()).notARegex() : null;
                if (why != null) {
                    warnings.add(sentence(path.getPath(), why));
                }
            }
        }
        return warnings;
    }

    /** @param path the path, and where it is if that needs saying */
    static String sentence(String path, String why) {
        return "path " + path + " is not a regular expression (" + why + "); it is matched literally";
    }
}

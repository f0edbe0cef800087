package dev.caravan.status;

import dev.caravan.collect.ShardedMap;
import dev.caravan.compile.Compilation;
import dev.caravan.compile.Problem;
import java.util.HashSet;
import dev.caravan.routing.ObjectRef;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs each problem once when it appears and once when it is gone, rather than on every
 * compilation, and each Ingress of another class once, saying why it is not ours. What it remembers
 * is the current problems and ignored Ingresses, so it is bounded by the Ingresses.
 */
public final class LoggingProblemReporter implements ProblemReporter {

    private static final Logger LOG = LoggerFactory.getLogger(LoggingProblemReporter.class);

    private Set<Problem> known = Set.of();
    private ShardedMap<ObjectRef, String> ignored = ShardedMap.of();

    @Override
    public synchronized void report(Compilation compilation) {
        List<Problem> problems = compilation.problems();
        Set<Problem> current = new HashSet<>(problems);
        for (Problem problem : problems) {
            if (!known.contains(problem)) {
                LOG.warn("{}", problem);
            }
        }
        Set<List<Object>> replacing = new HashSet<>();
        problems.stream().filter(problem -> !known.contains(problem))
                .forEach(problem -> replacing.add(List.of(problem.ingress(), problem.reason())));
        for (Problem gone : known) {
            // one said otherwise now (a name that timed out now does not exist) is not resolved: its new words said it
            if (!current.contains(gone) && !replacing.contains(List.of(gone.ingress(), gone.reason()))) {
                LOG.info("Resolved: {}", gone);
            }
        }
        known = current;
        // only the Ingresses whose reason changed: a cluster may hold thousands of other classes' Ingresses
        ShardedMap<ObjectRef, String> now = ShardedMap.copyOf(compilation.ignored());
        now.forEachChangedKey(ignored, ingress -> {
            String why = now.get(ingress);
            if (why != null && !why.equals(ignored.get(ingress))) {
                LOG.info("Ingress {} is not ours and is ignored: {}", ingress, why);
            }
        });
        ignored = now;
    }
}

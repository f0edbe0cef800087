package dev.caravan.status;

import dev.caravan.compile.Problem;
import java.util.List;

/** Where the compiler's findings about Ingresses go: logs, and in a cluster, Kubernetes Events. */
public interface ProblemReporter {

    /** Called after every compilation with all current problems. */
    void report(List<Problem> problems);
}

package dev.caravan.status;

import dev.caravan.compile.Compilation;

/** Where the compiler's findings about Ingresses go: logs, and in a cluster, Kubernetes Events. */
public interface ProblemReporter {

    /** Called after every compilation. */
    void report(Compilation compilation);
}

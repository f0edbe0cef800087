package dev.caravan.compile;

import dev.caravan.state.ClusterState;
import java.time.Instant;
import java.util.List;

/**
 * A stage that follows each compilation on the compiler's thread (certificates, for one), before its
 * problems are reported, and adds problems of its own.
 */
public interface CompilationListener {

    /** Applies what {@code compilation} made of {@code state}; returns the problems found meanwhile. */
    List<Problem> compiled(ClusterState state, Compilation compilation);

    /**
     * When the clock alone will change what this listener made of the last compilation (a certificate
     * expiring, or becoming valid), or {@code null} never: the state compiles again then, changed or not.
     */
    default Instant nextChange() {
        return null;
    }
}

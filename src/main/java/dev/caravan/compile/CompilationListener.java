package dev.caravan.compile;

import dev.caravan.state.ClusterState;
import java.util.List;

/**
 * A stage that follows each compilation on the compiler's thread (certificates, for one), before its
 * problems are reported, and adds problems of its own.
 */
public interface CompilationListener {

    /** Applies what {@code compilation} made of {@code state}; returns the problems found meanwhile. */
    List<Problem> compiled(ClusterState state, Compilation compilation);
}

package dev.caravan.compile;

import dev.caravan.routing.ObjectRef;
import dev.caravan.state.ClusterState;
import dev.caravan.state.ResourceKind;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * The pure function at the heart of Caravan: cluster state in, routing table and per-Ingress problems
 * out. No I/O, no clock, no shared state, so every behaviour is a table test.
 *
 * <p>Rules of all our Ingresses are merged per host. Where two Ingresses claim the same host, path and
 * path type for different backends, the older Ingress (creationTimestamp, then namespace/name) wins
 * and the newer one is reported. An invalid Ingress is replaced by its last good version, if any.
 *
 * <p>A compilation given the previous one compiles only what changed since (see
 * {@link IncrementalCompilation}); the answer is the one a compilation from scratch gives.
 */
public final class IngressCompiler {

    private final Function<ClusterState, ControllerSettings> settingsOf;

    public IngressCompiler(ControllerSettings settings) {
        this(state -> settings);
    }

    /**
     * @param settingsOf the settings a state is compiled with (ingress-nginx's ConfigMap in it may change them); the
     *                   same instance while they stay, as a new one compiles every Ingress again
     */
    public IngressCompiler(Function<ClusterState, ControllerSettings> settingsOf) {
        this.settingsOf = settingsOf;
    }

    public Compilation compile(ClusterState state, Compilation previous) {
        return compile(state, previous, Set.of());
    }

    /** @param disabled Ingresses an operator took out of service: claimed, not served */
    public Compilation compile(ClusterState state, Compilation previous, Set<ObjectRef> disabled) {
        return compile(state, previous, disabled, false);
    }

    /**
     * @param fromScratch whether to look at every Ingress again rather than at what changed since
     *                    {@code previous} (the answer is the same; an operator's recompile asks for it)
     */
    public Compilation compile(ClusterState state, Compilation previous, Set<ObjectRef> disabled,
            boolean fromScratch) {
        ControllerSettings settings = settingsOf.apply(state);
        CompilerMemory memory = previous.memory();
        if (fromScratch || memory == null || memory.settings() != settings
                || !state.changedSince(memory.state(), ResourceKind.INGRESS_CLASS).isEmpty()
                || !Objects.equals(state.zone(), memory.state().zone())
                || !Objects.equals(state.node(), memory.state().node())) {
            // which Ingresses are ours may change with any IngressClass, which endpoints every backend has with the
            // zone, and how every Ingress is read with the settings: every Ingress is looked at again
            memory = CompilerMemory.empty(settings);
        }
        return new IncrementalCompilation(settings, state, memory, previous, disabled).run();
    }
}

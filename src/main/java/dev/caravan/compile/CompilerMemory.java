package dev.caravan.compile;

import dev.caravan.routing.ObjectRef;
import dev.caravan.state.ClusterState;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the compiler keeps of one compilation so that the next compiles only what a change touches: the
 * state it compiled, each Ingress's selection, and who depends on what. Never changed once made; the next
 * compilation works on copies.
 *
 * @param selections     each Ingress of the state, ours or not
 * @param ingressesByKey the served Ingresses touching each key of the configuration
 * @param ingressesByService the served Ingresses naming each Service
 * @param ingressesBySecret  the Ingresses whose selection read each (basic-auth) Secret
 * @param problems       the compiler's problems, by Ingress (without those of later stages)
 * @param slicesByService the state's EndpointSlices by the Service they are labelled with
 */
record CompilerMemory(ControllerSettings settings, ClusterState state, Set<ObjectRef> disabled,
        Map<ObjectRef, IngressSelection> selections, Map<TableKey, Set<ObjectRef>> ingressesByKey,
        Map<ObjectRef, Set<ObjectRef>> ingressesByService, Map<ObjectRef, Set<ObjectRef>> ingressesBySecret,
        Map<ObjectRef, List<Problem>> problems, Map<ObjectRef, List<EndpointSlice>> slicesByService,
        BackendCache backends) {

    /** Nothing compiled yet: every object of a state is new to it. */
    static CompilerMemory empty(ControllerSettings settings) {
        return new CompilerMemory(settings, ClusterState.EMPTY, Set.of(), Map.of(), Map.of(), Map.of(), Map.of(),
                Map.of(), Map.of(), new BackendCache());
    }
}

package dev.caravan.compile;

import dev.caravan.collect.ShardedMap;
import dev.caravan.routing.ObjectRef;
import dev.caravan.state.ClusterState;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.List;
import java.util.Set;

/**
 * What the compiler keeps of one compilation so that the next compiles only what a change touches: the
 * state it compiled, each Ingress's selection, and who depends on what. Never changed once made; the next
 * compilation edits persistent maps that share what it does not touch.
 *
 * @param selections     each Ingress of the state, ours or not
 * @param ingressesByKey the served Ingresses touching each key of the configuration
 * @param ingressesByService the served Ingresses naming each Service
 * @param ingressesByObjectRead the Ingresses whose selection read each Secret or ConfigMap (a ConfigMap and a
 *                       Secret of one name share an entry: a change to either selects both's readers again)
 * @param problems       the compiler's problems, by Ingress (without those of later stages)
 * @param slicesByService the state's EndpointSlices by the Service they are labelled with
 */
record CompilerMemory(ControllerSettings settings, ClusterState state, Set<ObjectRef> disabled,
        ShardedMap<ObjectRef, IngressSelection> selections, ShardedMap<TableKey, Set<ObjectRef>> ingressesByKey,
        ShardedMap<ObjectRef, Set<ObjectRef>> ingressesByService, ShardedMap<ObjectRef, Set<ObjectRef>> ingressesByObjectRead,
        ShardedMap<ObjectRef, List<Problem>> problems, ShardedMap<ObjectRef, List<EndpointSlice>> slicesByService,
        BackendCache backends) {

    /** Nothing compiled yet: every object of a state is new to it. */
    static CompilerMemory empty(ControllerSettings settings) {
        return new CompilerMemory(settings, ClusterState.EMPTY, Set.of(), ShardedMap.of(), ShardedMap.of(),
                ShardedMap.of(), ShardedMap.of(), ShardedMap.of(), ShardedMap.of(), BackendCache.EMPTY);
    }
}

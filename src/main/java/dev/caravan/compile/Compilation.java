package dev.caravan.compile;

import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.RoutingTable;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.util.List;
import java.util.Map;

/**
 * What the compiler made of one cluster state.
 *
 * @param lastGood the latest valid version of each of our Ingresses, kept to stand in for a later
 *                 invalid edit; pass it to the next compilation
 */
public record Compilation(RoutingTable table, List<Problem> problems, Map<ObjectRef, Ingress> lastGood) {

    public static final Compilation EMPTY = new Compilation(RoutingTable.EMPTY, List.of(), Map.of());

    public Compilation {
        problems = List.copyOf(problems);
        lastGood = Map.copyOf(lastGood);
    }
}

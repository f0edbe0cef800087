package dev.caravan.compile;

import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.RoutingTable;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the compiler made of one cluster state.
 *
 * @param lastGood the latest valid version of each of our Ingresses, kept to stand in for a later
 *                 invalid edit; pass it to the next compilation
 * @param claimed  every Ingress of our class, valid or not: those whose status we own
 * @param ignored  the Ingresses of other classes, each with why it is not ours
 * @param tls      the hosts our Ingresses terminate TLS for, by host
 * @param backendTlsSecrets the Secrets named by {@code proxy-ssl-secret}, each with the (oldest) Ingress naming it
 */
public record Compilation(RoutingTable table, List<Problem> problems, Map<ObjectRef, Ingress> lastGood,
        Set<ObjectRef> claimed, Map<ObjectRef, String> ignored, Map<String, TlsHost> tls,
        Map<ObjectRef, ObjectRef> backendTlsSecrets) {

    public static final Compilation EMPTY = new Compilation(RoutingTable.EMPTY, List.of(), Map.of(), Set.of(),
            Map.of(), Map.of(), Map.of());

    public Compilation {
        problems = List.copyOf(problems);
        lastGood = Map.copyOf(lastGood);
        claimed = Set.copyOf(claimed);
        ignored = Map.copyOf(ignored);
        tls = Map.copyOf(tls);
        backendTlsSecrets = Map.copyOf(backendTlsSecrets);
    }

    /** This compilation with problems found by a later stage (certificates) added. */
    public Compilation withProblems(List<Problem> more) {
        if (more.isEmpty()) {
            return this;
        }
        List<Problem> all = new ArrayList<>(problems);
        all.addAll(more);
        return new Compilation(table, all, lastGood, claimed, ignored, tls, backendTlsSecrets);
    }

    /** The claimed Ingresses that are served as they are now (valid in their current version). */
    public Set<ObjectRef> accepted() {
        Set<ObjectRef> accepted = new HashSet<>(claimed);
        problems.stream().filter(p -> p.severity() == Problem.Severity.INVALID).forEach(p -> accepted.remove(p.ingress()));
        return accepted;
    }
}

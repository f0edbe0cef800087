package dev.caravan.compile;

import dev.caravan.collect.ShardedMap;
import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.RoutingTable;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the compiler made of one cluster state, and what it remembers of it to compile the next state from
 * the changes alone.
 */
public final class Compilation {

    public static final Compilation EMPTY = new Compilation(RoutingTable.EMPTY, List.of(), ShardedMap.of(),
            ShardedMap.of(), ShardedMap.of(), ShardedMap.of(), ShardedMap.of(), Set.of(), null);

    private final RoutingTable table;
    private final List<Problem> problems;
    private final ShardedMap<ObjectRef, Ingress> lastGood;
    private final ShardedMap<ObjectRef, ObjectRef> claimed;
    private final ShardedMap<ObjectRef, String> ignored;
    private final ShardedMap<String, TlsHost> tls;
    private final ShardedMap<ObjectRef, ObjectRef> backendTlsSecrets;
    private final Set<ObjectRef> servicesOutsideIngresses;
    private final CompilerMemory memory;

    /**
     * @param claimed                  every claimed Ingress, mapped to itself
     * @param servicesOutsideIngresses the Services named by the default backend and the TCP and UDP services
     */
    Compilation(RoutingTable table, List<Problem> problems, ShardedMap<ObjectRef, Ingress> lastGood,
            ShardedMap<ObjectRef, ObjectRef> claimed, ShardedMap<ObjectRef, String> ignored,
            ShardedMap<String, TlsHost> tls, ShardedMap<ObjectRef, ObjectRef> backendTlsSecrets,
            Set<ObjectRef> servicesOutsideIngresses, CompilerMemory memory) {
        this.table = table;
        this.problems = List.copyOf(problems);
        this.lastGood = lastGood;
        this.claimed = claimed;
        this.ignored = ignored;
        this.tls = tls;
        this.backendTlsSecrets = backendTlsSecrets;
        this.servicesOutsideIngresses = servicesOutsideIngresses;
        this.memory = memory;
    }

    public RoutingTable table() {
        return table;
    }

    /** Every problem found, the compiler's and later stages' (certificates, route references). */
    public List<Problem> problems() {
        return problems;
    }

    /** The latest valid version of each of our Ingresses, to stand in for a later invalid edit. */
    public Map<ObjectRef, Ingress> lastGood() {
        return lastGood;
    }

    /** Every Ingress of our class, valid or not: those whose status we own. */
    public Set<ObjectRef> claimed() {
        return claimed.keySet();
    }

    ShardedMap<ObjectRef, ObjectRef> claimedRefs() {
        return claimed;
    }

    /** The Ingresses of other classes, each with why it is not ours. */
    public Map<ObjectRef, String> ignored() {
        return ignored;
    }

    /** The hosts our Ingresses terminate TLS for, by host. */
    public Map<String, TlsHost> tls() {
        return tls;
    }

    /** The Secrets named by {@code proxy-ssl-secret}, each with the (oldest) Ingress naming it. */
    public Map<ObjectRef, ObjectRef> backendTlsSecrets() {
        return backendTlsSecrets;
    }

    /**
     * Whether the table may send to this Service: a served Ingress names it, or the default backend or a TCP or UDP
     * service port does. Only such Services' names are looked up, as ingress-nginx resolves only its upstreams'.
     */
    public boolean namesService(ObjectRef service) {
        return servicesOutsideIngresses.contains(service)
                || memory != null && memory.ingressesByService().get(service) != null;
    }

    /** What the compiler keeps for the next compilation; {@code null} when it must start from scratch. */
    CompilerMemory memory() {
        return memory;
    }

    /** This compilation with problems found by a later stage (certificates) added. */
    public Compilation withProblems(List<Problem> more) {
        if (more.isEmpty()) {
            return this;
        }
        List<Problem> all = new ArrayList<>(problems);
        all.addAll(more);
        return new Compilation(table, all, lastGood, claimed, ignored, tls, backendTlsSecrets,
                servicesOutsideIngresses, memory);
    }
}

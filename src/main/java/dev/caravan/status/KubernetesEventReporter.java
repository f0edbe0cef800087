package dev.caravan.status;

import dev.caravan.collect.ShardedMap;
import dev.caravan.compile.Compilation;
import dev.caravan.compile.Problem;
import dev.caravan.routing.ObjectRef;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.events.v1.EventBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.kubernetes.KubernetesConstants;
import org.apache.camel.component.kubernetes.KubernetesOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports to each Ingress, as Kubernetes Events through camel-kubernetes' {@code kubernetes-events}
 * producer: Normal {@code Sync} when a version of it is accepted, a Warning with the problem's reason
 * when a problem appears. Only the leader emits; every replica keeps track, so a new leader does not
 * repeat what was said. Events are sent from one thread through a bounded queue and at most
 * {@link #MAX_PER_SECOND} a second; what does not fit is dropped (and logged), never queued forever.
 */
public final class KubernetesEventReporter implements ProblemReporter {

    static final int MAX_PER_SECOND = 20;
    private static final int QUEUE = 512;
    private static final int MAX_NOTE = 1024;
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesEventReporter.class);

    private final Supplier<CamelContext> context;
    private ProducerTemplate producer;
    private final LeaderElection leader;
    private final String controller;
    private final String instance;
    private final ThreadPoolExecutor sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUE), runnable -> {
                Thread thread = new Thread(runnable, "caravan-events");
                thread.setDaemon(true);
                return thread;
            }, new ThreadPoolExecutor.DiscardPolicy());
    private Set<Problem> known = Set.of();
    private final Map<ObjectRef, String> synced = new HashMap<>();
    private ShardedMap<ObjectRef, Ingress> reported = ShardedMap.of();
    private long windowStart;
    private int sentInWindow;

    /**
     * @param controller the reporting controller ({@code --controller-class})
     * @param instance   this replica (its pod name)
     */
    public KubernetesEventReporter(Supplier<CamelContext> context, LeaderElection leader, String controller,
            String instance) {
        this.context = context;
        this.leader = leader;
        this.controller = controller;
        this.instance = instance;
    }

    @Override
    public synchronized void report(Compilation compilation) {
        boolean emit = leader.isLeader();
        Set<Problem> current = new HashSet<>(compilation.problems());
        for (Problem problem : compilation.problems()) {
            if (emit && !known.contains(problem)) {
                send(problem.ingress(), compilation.lastGood().get(problem.ingress()), "Warning", problem.reason(),
                        problem.message());
            }
        }
        known = current;
        Set<ObjectRef> invalid = new HashSet<>();
        compilation.problems().stream().filter(p -> p.severity() == Problem.Severity.INVALID)
                .forEach(p -> invalid.add(p.ingress()));
        // only Ingresses whose last good version changed can need a Sync Event: not all 10,000 each time
        ShardedMap<ObjectRef, Ingress> lastGood = ShardedMap.copyOf(compilation.lastGood());
        lastGood.forEachChangedKey(reported, ref -> {
            Ingress ingress = lastGood.get(ref);
            if (!compilation.claimed().contains(ref)) {
                synced.remove(ref);
                return;
            }
            if (ingress == null) {
                // claimed but not served for now: its synced version stays, so serving it again is no new Sync
                return;
            }
            String version = ingress.getMetadata().getResourceVersion();
            if (!invalid.contains(ref) && version != null && !version.equals(synced.put(ref, version)) && emit) {
                send(ref, ingress, "Normal", "Sync", "Scheduled for sync");
            }
        });
        reported = lastGood;
    }

    public void close() {
        sender.shutdownNow();
        if (producer != null) {
            try {
                producer.close();
            } catch (java.io.IOException e) {
                LOG.debug("Closing the event producer: {}", e.toString());
            }
        }
    }

    private void send(ObjectRef ref, Ingress ingress, String type, String reason, String note) {
        if (!allowed()) {
            LOG.debug("Event rate limit reached; dropping {} {} for Ingress {}", type, reason, ref);
            return;
        }
        ObjectReference regarding = new ObjectReferenceBuilder().withApiVersion("networking.k8s.io/v1")
                .withKind("Ingress").withNamespace(ref.namespace()).withName(ref.name())
                .withUid(ingress == null ? null : ingress.getMetadata().getUid())
                .withResourceVersion(ingress == null ? null : ingress.getMetadata().getResourceVersion()).build();
        EventBuilder event = new EventBuilder()
                .withNewEventTime(OffsetDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
                .withType(type).withReason(reason).withAction(reason.equals("Sync") ? "Sync" : "Validate")
                .withNote(note.length() > MAX_NOTE ? note.substring(0, MAX_NOTE) : note)
                .withReportingController(controller).withReportingInstance(instance).withRegarding(regarding);
        String name = ref.name() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        sender.execute(() -> {
            try {
                if (producer == null) {
                    producer = context.get().createProducerTemplate();
                }
                producer.sendBodyAndHeaders("kubernetes-events:///?operation=" + KubernetesOperations.CREATE_EVENT_OPERATION,
                        event, Map.of(KubernetesConstants.KUBERNETES_EVENT_NAME, name,
                                KubernetesConstants.KUBERNETES_NAMESPACE_NAME, ref.namespace()));
            } catch (RuntimeException e) {
                LOG.warn("Could not record a {} Event on Ingress {}: {}", reason, ref, e.getMessage());
            }
        });
    }

    private boolean allowed() {
        long second = System.nanoTime() / 1_000_000_000L;
        if (second != windowStart) {
            windowStart = second;
            sentInWindow = 0;
        }
        return ++sentInWindow <= MAX_PER_SECOND;
    }
}

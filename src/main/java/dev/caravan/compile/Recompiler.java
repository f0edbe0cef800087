package dev.caravan.compile;

import dev.caravan.routing.CurrentRoutingTable;
import dev.caravan.state.ClusterState;
import dev.caravan.state.ClusterStateStore;
import dev.caravan.status.ProblemReporter;
import dev.caravan.routing.GlobalHeaders;
import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.RoutingTable;
import dev.caravan.routing.TableChange;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.function.BooleanSupplier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the compiler on each new cluster state and swaps in the table it makes, and reports its
 * problems once the source has synced. Compilations run one
 * at a time on one thread; states arriving meanwhile coalesce into a single next run on the latest
 * state, so a burst of changes costs at most two compilations and nothing queues up. What the clock alone
 * changes (a certificate expiring, or becoming valid) compiles again when it is due, with or without a change.
 */
public final class Recompiler extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(Recompiler.class);
    /** The longest a clock compilation is scheduled ahead; a later one is scheduled again then. */
    private static final Duration YEAR = Duration.ofDays(365);

    private final ClusterStateStore store;
    private final IngressCompiler compiler;
    private final CurrentRoutingTable table;
    private final List<ProblemReporter> reporters;
    private final List<CompilationListener> listeners;
    private final List<TableChangeListener> changeListeners = new CopyOnWriteArrayList<>();
    private final BooleanSupplier sourceSynced;
    private final AtomicBoolean pending = new AtomicBoolean();
    private final Set<ObjectRef> disabled = ConcurrentHashMap.newKeySet();
    private ScheduledThreadPoolExecutor executor;
    /** The compilation the clock is due to cause, and when; one at a time, the earliest. */
    private ScheduledFuture<?> clockCompile;
    private Instant clockDue;
    private volatile Compilation last = Compilation.EMPTY;
    private final AtomicLong compiles = new AtomicLong();
    private final AtomicLong compileNanos = new AtomicLong();
    private volatile long lastDurationNanos;
    private volatile long lastCompiledMillis;

    public Recompiler(ClusterStateStore store, IngressCompiler compiler, CurrentRoutingTable table,
            List<ProblemReporter> reporters, BooleanSupplier sourceSynced, List<CompilationListener> listeners) {
        this.store = store;
        this.compiler = compiler;
        this.table = table;
        this.reporters = List.copyOf(reporters);
        this.sourceSynced = sourceSynced;
        this.listeners = List.copyOf(listeners);
    }

    public Compilation last() {
        return last;
    }

    /**
     * Takes an Ingress out of service, or puts it back, at once (an operator's choice, kept until
     * changed or until restart).
     *
     * @return whether this changed anything
     */
    public synchronized boolean setDisabled(ObjectRef ingress, boolean disable) {
        boolean changed = disable ? disabled.add(ingress) : disabled.remove(ingress);
        if (changed) {
            store.bump();
            compileNow();
        }
        return changed;
    }

    /** The Ingresses taken out of service. */
    public Set<ObjectRef> disabled() {
        return Set.copyOf(disabled);
    }

    /** Registers a listener of routing-table changes (computed once for the log line and for all of them). */
    public void addChangeListener(TableChangeListener listener) {
        changeListeners.add(listener);
    }

    /** Compilations run so far. */
    public long compiles() {
        return compiles.get();
    }

    /** Time spent compiling, in all. */
    public long compileNanos() {
        return compileNanos.get();
    }

    /** How long the latest compilation took (certificates included). */
    public long lastDurationNanos() {
        return lastDurationNanos;
    }

    /** When the latest compilation finished, epoch milliseconds; 0 before the first. */
    public long lastCompiledMillis() {
        return lastCompiledMillis;
    }

    @Override
    protected void doStart() {
        executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "caravan-compiler");
            thread.setDaemon(true);
            return thread;
        });
        // a clock compilation moved earlier or later is dropped from the queue, not left to fire for nothing
        executor.setRemoveOnCancelPolicy(true);
        store.addListener(this::requestCompile);
        requestCompile();
    }

    @Override
    protected void doStop() throws InterruptedException {
        executor.shutdownNow();
        executor.awaitTermination(5, TimeUnit.SECONDS);
    }

    /** Compiles what changed in the current state now, on the caller's thread. */
    public Compilation compileNow() {
        return compileNow(false);
    }

    /**
     * Compiles the current state now, on the caller's thread.
     *
     * @param fromScratch every Ingress, not only what changed: an operator's recompile
     */
    public synchronized Compilation compileNow(boolean fromScratch) {
        // read before the state: a state taken before the source synced must not be served as a synced one
        boolean synced = sourceSynced.getAsBoolean();
        ClusterState state = store.current();
        long started = System.nanoTime();
        Compilation compilation = compiler.compile(state, last, Set.copyOf(disabled), fromScratch);
        for (CompilationListener listener : listeners) {
            compilation = compilation.withProblems(listener.compiled(state, compilation));
        }
        List<String> globalProblems = compilation.table().globalHeaders().problems();
        List<String> globalProblemsBefore = last.table().globalHeaders().problems();
        if (!globalProblems.equals(globalProblemsBefore)) {
            // said when they change, not on every compilation
            globalProblems.forEach(problem -> LOG.warn("{}", problem));
            if (globalProblems.isEmpty()) {
                LOG.info("The ConfigMaps of --add-headers and --proxy-set-headers are used whole again");
            }
        }
        List<String> streamProblems = compilation.table().streams().problems();
        List<String> streamProblemsBefore = last.table().streams().problems();
        if (!streamProblems.equals(streamProblemsBefore)) {
            // each told once, when it appears: a Service whose pods come and go does not repeat the others
            streamProblems.stream().filter(problem -> !streamProblemsBefore.contains(problem))
                    .forEach(problem -> LOG.warn("{}", problem));
            streamProblemsBefore.stream().filter(problem -> !streamProblems.contains(problem))
                    .forEach(problem -> LOG.info("Resolved: {}", problem));
        }
        last = compilation;
        boolean wasServing = table.serving();
        RoutingTable before = table.get();
        table.set(compilation.table(), synced);
        if (!wasServing && table.serving()) {
            int hosts = compilation.table().exactHosts().size() + compilation.table().wildcardHosts().size()
                    + (compilation.table().anyHost() == null ? 0 : 1);
            LOG.info("Serving: {} host{} from {} Ingress{}", hosts, hosts == 1 ? "" : "s",
                    compilation.claimed().size(), compilation.claimed().size() == 1 ? "" : "es");
        }
        // before the source has synced, a missing Service may only be not listed yet: nothing to report
        if (synced) {
            for (ProblemReporter reporter : reporters) {
                reporter.report(compilation);
            }
        }
        long elapsed = System.nanoTime() - started;
        if (table.serving()) {
            // the first table served is a change from nothing, so that listeners (an audit) start from it
            TableChange change = TableChange.between(wasServing ? before : RoutingTable.EMPTY, compilation.table());
            if (!change.isEmpty()) {
                for (TableChangeListener listener : changeListeners) {
                    listener.changed(compilation.table(), change);
                }
                if (wasServing) {
                    LOG.info("Routing table {}: {} (compiled in {} ms)", compilation.table().version(),
                            change.summary(), String.format(Locale.ROOT, "%.1f", elapsed / 1e6));
                }
            }
            if (wasServing && !compilation.table().globalHeaders().equals(before.globalHeaders())) {
                GlobalHeaders now = compilation.table().globalHeaders();
                LOG.info("Routing table {}: global headers now {} on responses, {} on requests to pods",
                        compilation.table().version(), now.response().size(), now.request().size());
            }
        }
        scheduleClockChange();
        compiles.incrementAndGet();
        compileNanos.addAndGet(elapsed);
        lastDurationNanos = elapsed;
        lastCompiledMillis = System.currentTimeMillis();
        LOG.debug("Compiled state version {} in {} µs", state.version(), elapsed / 1000);
        return compilation;
    }

    /** Compiles again when the earliest of the listeners' clock changes is due, if it is not already set for then. */
    private void scheduleClockChange() {
        Instant due = null;
        for (CompilationListener listener : listeners) {
            Instant next = listener.nextChange();
            if (next != null && (due == null || next.isBefore(due))) {
                due = next;
            }
        }
        if (executor == null || executor.isShutdown()
                || Objects.equals(due, clockDue) && clockCompile != null && !clockCompile.isDone()) {
            return;
        }
        if (clockCompile != null) {
            clockCompile.cancel(false);
            clockCompile = null;
        }
        clockDue = due;
        if (due != null) {
            // a millisecond late rather than early: a certificate is valid up to its notAfter's millisecond, and the
            // compilation must see the change. One already due (the clock has stepped back) is tried again in a
            // second, never in a loop. Far-off ones (a notAfter in 9999) wait a year at a time
            Duration until = Duration.between(Instant.now(), due);
            long delay = !until.isNegative() && !until.isZero()
                    ? until.compareTo(YEAR) > 0 ? YEAR.toNanos() : until.toNanos() + TimeUnit.MILLISECONDS.toNanos(1)
                    : TimeUnit.SECONDS.toNanos(1);
            try {
                clockCompile = executor.schedule(this::requestCompile, delay, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException stopping) {
                clockCompile = null;
            }
        }
    }

    /**
     * Asks for a compilation of the latest state, soon, on the compiler's thread. Before the source has synced
     * nothing is served, so nothing is compiled: at 10,000 Ingresses, compiling partial states while the lists
     * arrived took more CPU than the lists themselves; the source asks again once it has synced. Nor is a task
     * queued then: the lists' objects each ask, and each task woke the compiler's thread.
     */
    public void requestCompile() {
        // once true it stays true, so a task queued now never finds the source unsynced
        if (!sourceSynced.getAsBoolean()) {
            return;
        }
        if (pending.compareAndSet(false, true)) {
            executor.execute(() -> {
                pending.set(false);
                try {
                    compileNow();
                } catch (RuntimeException e) {
                    // the table in force stays; the next state change tries again
                    LOG.error("Compilation failed; the routing table in force is kept", e);
                }
            });
        }
    }
}

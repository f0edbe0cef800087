package dev.caravan.admin;

import dev.caravan.compile.Compilation;
import dev.caravan.compile.CompilationListener;
import dev.caravan.compile.Problem;
import dev.caravan.compile.Recompiler;
import dev.caravan.routing.CurrentRoutingTable;
import dev.caravan.routing.RoutingTable;
import dev.caravan.state.ClusterState;
import dev.caravan.tls.CertificateStore;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Caravan's own state as metrics: the routing table, compilations, the source, certificates
 * (ingress-nginx's {@code nginx_ingress_controller_ssl_expire_time_seconds}) and the JVM. Updated after
 * each compilation, read at scrape time otherwise.
 */
public final class ControllerMetrics implements CompilationListener {

    private final MeterRegistry registry;
    private final Tags controller;
    private final CertificateStore certificates;
    private final RequestMetrics requests;
    private final CertificateExpiryGauges certificateExpiry;
    private volatile Compilation last = Compilation.EMPTY;

    public ControllerMetrics(MeterRegistry registry, Tags controller, CurrentRoutingTable table,
            BooleanSupplier sourceSynced, CertificateStore certificates, RequestMetrics requests) {
        this.registry = registry;
        this.controller = controller;
        this.certificates = certificates;
        this.requests = requests;
        Gauge.builder("caravan.routing.table.version", table, t -> t.get().version())
                .description("Version of the cluster state the routing table in force was compiled from")
                .register(registry);
        Gauge.builder("caravan.routing.table.hosts", table, t -> hosts(t.get()))
                .description("Hosts in the routing table in force").register(registry);
        Gauge.builder("caravan.source.synced", sourceSynced, synced -> synced.getAsBoolean() ? 1 : 0).strongReference(true)
                .description("1 once the manifests or every watched kind have been read").register(registry);
        Gauge.builder("caravan.ingresses.claimed", this, m -> m.last.claimed().size())
                .description("Ingresses of our class").register(registry);
        Gauge.builder("caravan.ingresses.invalid", this, m -> m.last.problems().stream()
                        .filter(p -> p.severity() == Problem.Severity.INVALID).count())
                .description("Ingresses of our class not served as they are now").register(registry);
        Gauge.builder("caravan.global.headers.problems", table, t -> t.get().globalHeaders().problems().size())
                .description("Headers of the --add-headers and --proxy-set-headers ConfigMaps not set, as logged (0: all"
                        + " set)").register(registry);
        // ingress-nginx's alerts fire when its reload failed; Caravan's changes never do
        Gauge.builder("nginx.ingress.controller.config.last.reload.successful", () -> 1).tags(controller)
                .description("Whether the last configuration change was applied (always 1: Caravan never reloads)")
                .register(registry);
        certificateExpiry = new CertificateExpiryGauges(registry, controller.stream()
                .filter(tag -> tag.getKey().equals("controller_class")).map(tag -> tag.getValue()).findFirst()
                .orElse(""));
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    /** The compiler's counters; called once the recompiler exists. */
    public void bind(Recompiler recompiler) {
        FunctionCounter.builder("caravan.compiles", recompiler, Recompiler::compiles)
                .description("Compilations of the cluster state").register(registry);
        FunctionTimer.builder("caravan.compile", recompiler, Recompiler::compiles, Recompiler::compileNanos,
                TimeUnit.NANOSECONDS).description("Time spent compiling").register(registry);
        Gauge.builder("caravan.compile.last.duration", recompiler, r -> r.lastDurationNanos() / 1e9)
                .baseUnit("seconds").description("How long the latest compilation took").register(registry);
        Gauge.builder("nginx.ingress.controller.config.last.reload.successful.timestamp.seconds", recompiler,
                r -> r.lastCompiledMillis() / 1000.0).tags(controller)
                .description("Timestamp of the last successful configuration change").register(registry);
    }

    @Override
    public List<Problem> compiled(ClusterState state, Compilation compilation) {
        last = compilation;
        requests.retain(compilation.claimed());
        certificateExpiry.update(certificates);
        return List.of();
    }

    private static int hosts(RoutingTable table) {
        return table.exactHosts().size() + table.wildcardHosts().size() + (table.anyHost() == null ? 0 : 1);
    }
}

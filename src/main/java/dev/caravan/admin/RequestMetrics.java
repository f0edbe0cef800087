package dev.caravan.admin;

import dev.caravan.gateway.RequestObserver;
import dev.caravan.gateway.RequestRecord;
import dev.caravan.routing.Backend;
import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.PathRule;
import dev.caravan.routing.RoutingTable;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.netty.util.NetUtil;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ingress-nginx's request metrics, by the same names and labels, so that its dashboards and alerts
 * keep working: {@code nginx_ingress_controller_requests}, {@code _request_duration_seconds},
 * {@code _response_duration_seconds}, {@code _request_size}, {@code _response_size},
 * {@code _bytes_sent}; plus Caravan's upstream connect time and retries. Labels come from the Ingress
 * rule (its path, never the request's), so their values are bounded by the Ingresses; the number of
 * series is capped besides, and the series of an Ingress that is gone are removed.
 */
public final class RequestMetrics implements RequestObserver {

    private static final Logger LOG = LoggerFactory.getLogger(RequestMetrics.class);
    /** Enough for thousands of Ingresses; beyond it requests are still counted, without labels. */
    static final int MAX_SERIES = 20_000;
    /**
     * The label sets of hosts no Ingress names exactly ({@code --metrics-per-undefined-host}): clients choose those
     * hosts, so their series have a budget of their own, apart from the Ingresses', and beyond it their requests are
     * counted under no host.
     */
    static final int MAX_UNDEFINED_HOST_SERIES = 1_000;
    /** The longest host a label takes: DNS's longest name. */
    private static final int MAX_HOST_LABEL = 253;
    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS",
            "CONNECT", "TRACE");
    /** Prometheus's default buckets, as ingress-nginx uses for its durations. */
    private static final Duration[] DURATION_BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10),
        Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
        Duration.ofSeconds(10)};
    private static final double[] SIZE_BUCKETS = {100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000};

    /**
     * One label set: what ingress-nginx labels its request metrics with. Looked up on every request, so
     * hashed and compared by hand: a record's generated methods go through method handles, which made the
     * lookup twice as costly in the profile.
     */
    private record Key(String host, String namespace, String ingress, String service, String path, String method,
            int status, String canary) {

        Key withHost(String other) {
            return new Key(other, namespace, ingress, service, path, method, status, canary);
        }

        @Override
        public int hashCode() {
            int hash = 31 * host.hashCode() + path.hashCode();
            hash = 31 * hash + ingress.hashCode();
            hash = 31 * hash + service.hashCode();
            hash = 31 * hash + method.hashCode();
            return 31 * hash + status * 2 + (canary.isEmpty() ? 0 : 1);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Key key && status == key.status && canary.equals(key.canary)
                    && path.equals(key.path) && host.equals(key.host) && ingress.equals(key.ingress) && service.equals(key.service)
                    && method.equals(key.method) && namespace.equals(key.namespace);
        }
    }

    /**
     * The meters of one label set.
     *
     * @param clientsHost whether its host label is a client's (--metrics-per-undefined-host), counted in that budget
     */
    private record Meters(LongAdder requests, List<Meter> all, Timer duration, Timer upstreamDuration,
            DistributionSummary requestSize, DistributionSummary responseSize, DistributionSummary bytesSent,
            boolean clientsHost) {
    }

    private final MeterRegistry registry;
    private final Tags controller;
    private final boolean perHost;
    private final boolean statusClasses;
    private final boolean perUndefinedHost;
    /** Every series, one per label set whoever made it: Micrometer has one meter per name and tags. */
    private final Map<Key, Meters> series = new ConcurrentHashMap<>();
    /** The series among them whose host label is a client's. */
    private final AtomicInteger clientsHostSeries = new AtomicInteger();
    private volatile boolean warnedUndefinedHosts;
    private final Timer connect;
    private final Counter retries;
    private final Counter unlabelled;
    private volatile boolean warnedFull;

    /**
     * @param controller the constant labels of every request series: {@code controller_class},
     *                   {@code controller_namespace}, {@code controller_pod}
     */
    public RequestMetrics(MeterRegistry registry, Tags controller) {
        this(registry, controller, true, false, false);
    }

    /**
     * @param perHost whether the series carry a {@code host} label, as ingress-nginx's {@code --metrics-per-host}: the
     *                host of the rules that served a request, when it is one of the table's exact hosts (bounded by
     *                them), else empty (ingress-nginx does not count those at all unless
     *                {@code --metrics-per-undefined-host}: here they are counted, under no host)
     * @param statusClasses whether the {@code status} label is the status's class ({@code 2xx}), as ingress-nginx's
     *                {@code --report-status-classes}
     * @param perUndefinedHost whether, with {@code perHost}, the requests of hosts no Ingress names exactly are labelled
     *                with the client's host, as ingress-nginx's {@code --metrics-per-undefined-host}, in at most
     *                {@value #MAX_UNDEFINED_HOST_SERIES} series; the others under no host
     */
    public RequestMetrics(MeterRegistry registry, Tags controller, boolean perHost, boolean statusClasses,
            boolean perUndefinedHost) {
        this.registry = registry;
        this.controller = controller;
        this.perHost = perHost;
        this.statusClasses = statusClasses;
        this.perUndefinedHost = perHost && perUndefinedHost;
        connect = Timer.builder("caravan.upstream.connect").description("Time to connect to a pod (new connections)")
                .serviceLevelObjectives(DURATION_BUCKETS).register(registry);
        retries = Counter.builder("caravan.upstream.retries").description("Requests tried again on another pod")
                .register(registry);
        unlabelled = Counter.builder("caravan.requests.unlabelled")
                .description("Requests counted without labels because the series cap (" + MAX_SERIES + ") was reached")
                .register(registry);
    }

    @Override
    public void completed(RequestRecord record) {
        if (record.upstreamConnectNanos() > 0) {
            connect.record(record.upstreamConnectNanos(), TimeUnit.NANOSECONDS);
        }
        if (record.attempts() > 1) {
            retries.increment(record.attempts() - 1);
        }
        Key key = key(record);
        Meters meters = null;
        if (perUndefinedHost && key.host().isEmpty()) {
            String host = hostLabel(record.host());
            meters = host == null ? null : clientsHostMeters(key.withHost(host));
        }
        if (meters == null) {
            meters = meters(key);
        }
        if (meters == null) {
            unlabelled.increment();
            return;
        }
        meters.requests().increment();
        meters.duration().record(record.durationNanos(), TimeUnit.NANOSECONDS);
        if (record.upstreamNanos() >= 0) {
            meters.upstreamDuration().record(record.upstreamNanos(), TimeUnit.NANOSECONDS);
        }
        meters.requestSize().record(record.requestBytes());
        meters.responseSize().record(record.responseBytes());
        meters.bytesSent().record(record.responseBytes());
    }

    /** Drops the series of Ingresses no longer served. */
    public void retain(Set<ObjectRef> ingresses) {
        series.entrySet().removeIf(entry -> {
            Key key = entry.getKey();
            boolean gone = !key.ingress().isEmpty() && !ingresses.contains(new ObjectRef(key.namespace(), key.ingress()));
            if (gone) {
                entry.getValue().all().forEach(registry::remove);
                if (entry.getValue().clientsHost()) {
                    clientsHostSeries.decrementAndGet();
                }
            }
            return gone;
        });
    }

    private Key key(RequestRecord record) {
        PathRule rule = record.rule();
        String method = record.method() != null && METHODS.contains(record.method()) ? record.method() : "OTHER";
        String server = record.serverName();
        // a wildcard's or the catch-all's requests name no host of the table's: their hosts are the clients' to choose
        String host = !perHost || server == null || server.equals("_") || server.startsWith("*") ? "" : server;
        // a class is kept as its hundred: 200 stands for 2xx
        int status = statusClasses ? record.status() / 100 * 100 : record.status();
        if (rule == null) {
            return new Key(host, "", "", "", "", method, status, "");
        }
        // as ingress-nginx's: the location's Service, whoever served, and the canary's upstream when it did
        Backend backend = rule.backend();
        // a host's default location has no Service of its own: the table's default backend answered
        String service = backend == Backend.TABLE_DEFAULT ? "" : backend.serviceName();
        String canary = record.canary() ? LogVariables.upstreamName(rule.canary().backend()) : "";
        return new Key(host, rule.ingress().namespace(), rule.ingress().name(), service, rule.path(), method,
                status, canary);
    }

    /**
     * The series of a request whose host no Ingress names exactly, under the client's host, or {@code null} when it
     * is to be counted under no host: the budget of such series spent. One an Ingress's request made is shared.
     */
    private Meters clientsHostMeters(Key labelled) {
        Meters meters = series.get(labelled);
        if (meters != null) {
            return meters;
        }
        return series.computeIfAbsent(labelled, k -> {
            if (clientsHostSeries.incrementAndGet() > MAX_UNDEFINED_HOST_SERIES) {
                clientsHostSeries.decrementAndGet();
                if (!warnedUndefinedHosts) {
                    warnedUndefinedHosts = true;
                    LOG.warn("{} request metric series of hosts no Ingress names (--metrics-per-undefined-host): the"
                            + " requests of further ones are counted under no host", MAX_UNDEFINED_HOST_SERIES);
                }
                return null;
            }
            return register(k, true);
        });
    }

    /**
     * A client's host as a label, as nginx's {@code $host} (lower case, without its port), or {@code null} when it is
     * no host name or IP address: what a client writes does not go into a label unchecked.
     */
    static String hostLabel(String authority) {
        String host = RoutingTable.hostOf(authority);
        if (host == null || host.isEmpty() || host.length() > MAX_HOST_LABEL) {
            return null;
        }
        host = RoutingTable.normalizeHost(host);
        if (host.startsWith("[") && host.endsWith("]")) {
            return NetUtil.isValidIpV6Address(host.substring(1, host.length() - 1)) ? host : null;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_')) {
                return null;
            }
        }
        return host.isEmpty() ? null : host;
    }

    private Meters meters(Key key) {
        Meters meters = series.get(key);
        if (meters != null) {
            return meters;
        }
        if (series.size() - clientsHostSeries.get() >= MAX_SERIES) {
            if (!warnedFull) {
                warnedFull = true;
                LOG.warn("{} request metric series: further label sets are counted in caravan_requests_unlabelled",
                        MAX_SERIES);
            }
            return null;
        }
        return series.computeIfAbsent(key, k -> register(k, false));
    }

    private Meters register(Key key, boolean clientsHost) {
        Tags tags = (perHost ? controller.and("host", key.host()) : controller).and("namespace", key.namespace(), "ingress", key.ingress(), "service", key.service(),
                "path", key.path(), "method", key.method(), "status", statusClasses ? key.status() / 100 + "xx"
                        : Integer.toString(key.status()),
                "canary", key.canary());
        LongAdder requests = new LongAdder();
        List<Meter> all = new ArrayList<>();
        // a gauge, not a counter: Prometheus counters gain a _total suffix, and ingress-nginx's name has none
        all.add(Gauge.builder("nginx.ingress.controller.requests", requests, LongAdder::sum)
                .description("The total number of client requests").tags(tags).register(registry));
        Timer duration = Timer.builder("nginx.ingress.controller.request.duration")
                .description("The request processing time in seconds").tags(tags)
                .serviceLevelObjectives(DURATION_BUCKETS).register(registry);
        Timer upstream = Timer.builder("nginx.ingress.controller.response.duration")
                .description("The time spent on receiving the response from the upstream server").tags(tags)
                .serviceLevelObjectives(DURATION_BUCKETS).register(registry);
        DistributionSummary requestSize = size("nginx.ingress.controller.request.size", "The request length", tags);
        DistributionSummary responseSize = size("nginx.ingress.controller.response.size", "The response length", tags);
        DistributionSummary bytesSent = size("nginx.ingress.controller.bytes.sent", "The number of bytes sent to a client",
                tags);
        all.addAll(List.of(duration, upstream, requestSize, responseSize, bytesSent));
        return new Meters(requests, List.copyOf(all), duration, upstream, requestSize, responseSize, bytesSent,
                clientsHost);
    }

    private DistributionSummary size(String name, String description, Tags tags) {
        return DistributionSummary.builder(name).description(description + " (including headers)").tags(tags)
                .serviceLevelObjectives(SIZE_BUCKETS).register(registry);
    }
}

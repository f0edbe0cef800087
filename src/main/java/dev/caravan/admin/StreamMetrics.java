package dev.caravan.admin;

import dev.caravan.gateway.StreamObserver;
import dev.caravan.gateway.StreamSession;
import dev.caravan.routing.RoutingTable;
import dev.caravan.routing.StreamServices;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sessions of the TCP and UDP services ({@code --tcp-services-configmap}, {@code --udp-services-configmap}), which
 * ingress-nginx's metrics leave out: {@code caravan_stream_sessions_total} by outcome (nginx's stream {@code $status}:
 * 200 relayed, 400 an unreadable PROXY header, 502 no pod), the bytes each way and the sessions' time, labelled by
 * protocol, port and Service port. The ports are the operator's, so the label sets are few; they are capped besides,
 * and those of a port no longer relayed to their Service go.
 */
public final class StreamMetrics implements StreamObserver {

    private static final Logger LOG = LoggerFactory.getLogger(StreamMetrics.class);
    /** Far more than ports times the Services each has been sent to; beyond it, sessions are counted without labels. */
    static final int MAX_SERIES = 1_000;
    private static final int[] STATUSES = {StreamSession.RELAYED, StreamSession.UNREADABLE, StreamSession.NO_POD};

    private record Key(String protocol, int port, String service) {
    }

    /** One label set's meters; a session counter per status, registered when that status first comes. */
    private final class Series {
        private final Tags tags;
        private final Counter[] sessions = new Counter[STATUSES.length];
        private final Counter sent;
        private final Counter received;
        private final Timer duration;

        Series(Tags tags) {
            this.tags = tags;
            sent = Counter.builder("caravan.stream.sent").baseUnit("bytes").tags(tags)
                    .description("Bytes sent to the clients of TCP and UDP services").register(registry);
            received = Counter.builder("caravan.stream.received").baseUnit("bytes").tags(tags)
                    .description("Bytes received from the clients of TCP and UDP services").register(registry);
            duration = Timer.builder("caravan.stream.session").tags(tags)
                    .description("How long sessions of TCP and UDP services lasted").register(registry);
        }

        /** Takes its meters out of the registry. */
        void remove() {
            registry.remove(sent);
            registry.remove(received);
            registry.remove(duration);
            for (Counter counter : sessions) {
                if (counter != null) {
                    registry.remove(counter);
                }
            }
        }

        Counter sessions(int status) {
            int index = 0;
            while (index < STATUSES.length - 1 && STATUSES[index] != status) {
                index++;
            }
            Counter counter = sessions[index];
            if (counter == null) {
                // two event loops may race here: the registry gives both the one counter
                counter = Counter.builder("caravan.stream.sessions").tags(tags).tag("status",
                        Integer.toString(STATUSES[index])).description("Sessions of TCP and UDP services, ended")
                        .register(registry);
                sessions[index] = counter;
            }
            return counter;
        }
    }

    private final MeterRegistry registry;
    private final Tags common;
    private final Map<Key, Series> series = new ConcurrentHashMap<>();
    private final AtomicBoolean capTold = new AtomicBoolean();
    private volatile Series unlabelled;

    /** @param common the labels of every series (the controller's) */
    public StreamMetrics(MeterRegistry registry, Tags common) {
        this.registry = registry;
        this.common = common;
    }

    @Override
    public void closed(StreamSession session, InetSocketAddress client) {
        Series meters = seriesOf(new Key(session.protocol(), session.port(), session.backend()));
        meters.sessions(session.status()).increment();
        meters.sent.increment(session.bytesSent());
        meters.received.increment(session.bytesReceived());
        meters.duration.record(session.durationNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Lets go of the series of ports the table no longer relays to that Service: a ConfigMap edited over time would
     * otherwise leave a series for every port and Service it ever named. Called on the compiler's thread.
     */
    public void tableChanged(RoutingTable table) {
        StreamServices services = table.streams();
        series.entrySet().removeIf(entry -> {
            Key key = entry.getKey();
            StreamServices.Service served = (key.protocol().equals("UDP") ? services.udp() : services.tcp())
                    .get(key.port());
            if (served != null && served.backend().name().equals(key.service())) {
                return false;
            }
            entry.getValue().remove();
            return true;
        });
    }

    private Series seriesOf(Key key) {
        Series found = series.get(key);
        if (found != null) {
            return found;
        }
        if (series.size() >= MAX_SERIES) {
            if (capTold.compareAndSet(false, true)) {
                LOG.warn("TCP/UDP service metrics: {} label sets reached; further sessions are counted without"
                        + " protocol, port or service", MAX_SERIES);
            }
            Series none = unlabelled;
            if (none == null) {
                none = new Series(common.and("protocol", "", "port", "", "service", ""));
                unlabelled = none;
            }
            return none;
        }
        return series.computeIfAbsent(key, k -> new Series(common.and("protocol", k.protocol(), "port",
                Integer.toString(k.port()), "service", k.service())));
    }
}

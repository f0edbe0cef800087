package dev.caravan.admin;

import dev.caravan.gateway.RequestObserver;
import dev.caravan.gateway.RequestRecord;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Requests and errors per pod endpoint, for operators (the Backends MBean). Endpoints no longer in
 * the routing table are forgotten, so the map stays as large as the cluster's endpoints.
 */
final class EndpointStats implements RequestObserver {

    record Counts(LongAdder requests, LongAdder errors) {
    }

    private final Map<InetSocketAddress, Counts> byEndpoint = new ConcurrentHashMap<>();

    @Override
    public void completed(RequestRecord record) {
        InetSocketAddress endpoint = record.upstream();
        if (endpoint == null) {
            return;
        }
        Counts counts = byEndpoint.computeIfAbsent(endpoint, e -> new Counts(new LongAdder(), new LongAdder()));
        counts.requests().increment();
        // a 5xx of the pod's own, or none because the pod failed (not because the client left)
        if (record.upstreamStatus() >= 500 || record.upstreamStatus() == 0 && record.status() >= 500) {
            counts.errors().increment();
        }
    }

    Counts counts(InetSocketAddress endpoint) {
        return byEndpoint.get(endpoint);
    }

    void retain(Set<InetSocketAddress> endpoints) {
        byEndpoint.keySet().retainAll(endpoints);
    }
}

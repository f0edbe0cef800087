package dev.caravan.balance;

import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * ingress-nginx's {@code load-balance: ewma}: each endpoint's response time is an exponentially
 * weighted moving average (decaying over {@value #DECAY_SECONDS} s), scored by its requests in flight,
 * and of two endpoints drawn at random the lower score wins ("power of two choices"), so slow pods get
 * less traffic without all replicas stampeding the fastest one. State is per endpoint of one backend
 * version, so it is bounded by the endpoints.
 */
public final class EwmaBalancer implements LoadBalancer {

    static final double DECAY_SECONDS = 10;

    private static final class Stats {
        double ewmaNanos;
        long lastUpdate;
        int active;
    }

    private final ConcurrentHashMap<InetSocketAddress, Stats> stats = new ConcurrentHashMap<>();

    @Override
    public InetSocketAddress choose(List<InetSocketAddress> endpoints, Collection<InetSocketAddress> tried) {
        List<InetSocketAddress> candidates = tried.isEmpty() ? endpoints
                : endpoints.stream().filter(e -> !tried.contains(e)).toList();
        if (candidates.isEmpty()) {
            candidates = endpoints;
        }
        if (candidates.size() == 1) {
            return candidates.get(0);
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        InetSocketAddress first = candidates.get(random.nextInt(candidates.size()));
        InetSocketAddress second = candidates.get(random.nextInt(candidates.size() - 1));
        if (second.equals(first)) {
            second = candidates.get(candidates.size() - 1);
        }
        return score(first) <= score(second) ? first : second;
    }

    private double score(InetSocketAddress endpoint) {
        Stats s = stats.get(endpoint);
        if (s == null) {
            return 0;
        }
        synchronized (s) {
            return s.ewmaNanos * (s.active + 1);
        }
    }

    @Override
    public void started(InetSocketAddress endpoint) {
        Stats s = stats.computeIfAbsent(endpoint, e -> new Stats());
        synchronized (s) {
            s.active++;
        }
    }

    @Override
    public void finished(InetSocketAddress endpoint, long elapsedNanos) {
        Stats s = stats.computeIfAbsent(endpoint, e -> new Stats());
        synchronized (s) {
            s.active = Math.max(0, s.active - 1);
            long now = System.nanoTime();
            if (s.lastUpdate == 0) {
                s.ewmaNanos = elapsedNanos;
            } else {
                double weight = Math.exp(-(now - s.lastUpdate) / (DECAY_SECONDS * 1e9));
                s.ewmaNanos = s.ewmaNanos * weight + elapsedNanos * (1 - weight);
            }
            s.lastUpdate = now;
        }
    }
}

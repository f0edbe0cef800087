package dev.caravan.balance;

import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Plain round robin over a backend's endpoints; one cursor per backend of one routing-table version. */
public final class RoundRobinBalancer implements LoadBalancer {

    private final AtomicInteger cursor = new AtomicInteger();

    @Override
    public InetSocketAddress choose(List<InetSocketAddress> endpoints, Collection<InetSocketAddress> tried) {
        int size = endpoints.size();
        int start = Math.floorMod(cursor.getAndIncrement(), size);
        for (int i = 0; i < size; i++) {
            InetSocketAddress candidate = endpoints.get((start + i) % size);
            if (!tried.contains(candidate)) {
                return candidate;
            }
        }
        return endpoints.get(start);
    }
}

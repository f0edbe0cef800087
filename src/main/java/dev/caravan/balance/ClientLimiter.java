package dev.caravan.balance;

import dev.caravan.routing.RoutePolicy;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One Ingress's per-client limits, as nginx's {@code limit_conn} and {@code limit_req ... nodelay}:
 * concurrent requests per client address, then a request rate per minute and per second, each with a
 * burst of rate × multiplier (the generic cell rate algorithm: a request is let through if it is not
 * earlier than its theoretical arrival time minus the burst allowance).
 */
public final class ClientLimiter {

    static final int MAX_CLIENTS = 16384;

    private static final class Client {
        long perSecondTat;
        long perMinuteTat;
        int active;
    }

    private final RoutePolicy.RateLimit limit;
    private final Map<String, Client> clients = new LinkedHashMap<>(64, 0.75f, true);

    ClientLimiter(RoutePolicy.RateLimit limit) {
        this.limit = limit;
    }

    /** Which limit refused a request, if any: they answer with statuses of their own. */
    public enum Refusal { NONE, CONNECTIONS, RATE }

    /**
     * Counts a request in if the client is within its limits; the caller then owes {@link #release}.
     *
     * @return {@link Refusal#NONE} when the request may go on, else the limit it is over
     */
    public synchronized Refusal acquire(InetSocketAddress client, long nowNanos) {
        if (limit.exempts(client)) {
            return Refusal.NONE;
        }
        String key = client.getAddress().getHostAddress();
        Client state = clients.get(key);
        if (state == null) {
            evictIfFull();
            state = new Client();
            clients.put(key, state);
        }
        if (limit.connections() > 0 && state.active >= limit.connections()) {
            return Refusal.CONNECTIONS;
        }
        long minuteTat = limit.perMinute() > 0 ? next(state.perMinuteTat, 60_000_000_000L, limit.perMinute(),
                nowNanos) : 0;
        long secondTat = limit.perSecond() > 0 ? next(state.perSecondTat, 1_000_000_000L, limit.perSecond(),
                nowNanos) : 0;
        if (minuteTat < 0 || secondTat < 0) {
            return Refusal.RATE;
        }
        if (limit.perMinute() > 0) {
            state.perMinuteTat = minuteTat;
        }
        if (limit.perSecond() > 0) {
            state.perSecondTat = secondTat;
        }
        state.active++;
        return Refusal.NONE;
    }

    /**
     * Forgets the least recently seen idle client when full. Clients with requests in flight are kept
     * (their count must come down again), so beyond the bound the map holds only clients in flight,
     * which the connection limits bound.
     */
    private void evictIfFull() {
        if (clients.size() < MAX_CLIENTS) {
            return;
        }
        var entries = clients.entrySet().iterator();
        while (entries.hasNext()) {
            if (entries.next().getValue().active == 0) {
                entries.remove();
                return;
            }
        }
    }

    public synchronized void release(InetSocketAddress client) {
        if (limit.exempts(client)) {
            return;
        }
        Client state = clients.get(client.getAddress().getHostAddress());
        if (state != null && state.active > 0) {
            state.active--;
        }
    }

    /**
     * The next theoretical arrival time, or -1 if this request comes too early: {@code rate} requests a {@code period},
     * and as nginx's {@code limit_req burst=rate*multiplier nodelay} (ingress-nginx), that many more at once.
     */
    private long next(long tat, long period, int rate, long now) {
        long interval = period / rate;
        long burst = interval * rate * limit.burstMultiplier();
        long earliest = Math.max(tat, now);
        if (tat - burst > now) {
            return -1;
        }
        return earliest + interval;
    }
}

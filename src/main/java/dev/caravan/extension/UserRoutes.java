package dev.caravan.extension;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.spi.ThreadPoolProfile;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.util.concurrent.ThreadPoolRejectedPolicy;

/**
 * Hands requests to the user routes Ingresses name (CamelRoute backends and request interceptors). A user
 * route may block — call an auth service, a database — so it runs on a pool of its own, bounded in threads
 * and queue, never on an event loop; when the pool is full the request is refused rather than queued
 * without end.
 */
public final class UserRoutes {

    /** How a hand-over went. */
    public enum Outcome {
        /** The route ran; the exchange holds what it left (or its exception). */
        RAN,
        /** No started route with that id consumes a {@code direct:} endpoint. */
        NO_ROUTE,
        /** Every thread is busy and the queue is full. */
        BUSY,
        /** Nobody waits for the answer any more (the client has gone): the route was not run. */
        ABANDONED
    }

    private final Supplier<CamelContext> context;
    private final RouteFolder folder;
    private final int threads;
    private final int queue;
    /** Made on first use, once Camel has started. */
    private volatile Runner runner;

    private record Runner(ExecutorService pool) {
    }

    /**
     * @param threads routes run at once, at most
     * @param queue   requests that may wait for a thread
     */
    public UserRoutes(Supplier<CamelContext> context, RouteFolder folder, int threads, int queue) {
        this.context = context;
        this.folder = folder;
        this.threads = threads;
        this.queue = queue;
    }

    public RouteFolder folder() {
        return folder;
    }

    /** An empty exchange for {@link #send}. */
    public Exchange newExchange() {
        return new DefaultExchange(context.get());
    }

    /** The capacity, for messages: threads and queue. */
    public String capacity() {
        return threads + " running, " + queue + " waiting";
    }

    /**
     * Sends {@code exchange} to route {@code routeId} on the pool and then calls {@code done}, once, on a pool
     * thread (or on this one, when the pool refuses). Returns at once.
     */
    public void send(String routeId, Exchange exchange, Consumer<Outcome> done) {
        send(routeId, exchange, () -> true, done);
    }

    /** As {@link #send(String, Exchange, Consumer)}, skipping the route when {@code wanted} says nobody waits. */
    public void send(String routeId, Exchange exchange, BooleanSupplier wanted, Consumer<Outcome> done) {
        CamelContext camel = context.get();
        Runner started = runner(camel);
        try {
            started.pool().execute(() -> {
                if (!wanted.getAsBoolean()) {
                    done.accept(Outcome.ABANDONED);
                    return;
                }
                boolean ran = folder.using(camel, routeId, (endpoint, route) -> {
                    try {
                        // the route's consumer, called as a direct: producer calls it; not through a shared
                        // producer, whose cache of that consumer (two fields read without a lock) could hand
                        // a thread the stopped route's right after a swap: RejectedExecutionException, 500
                        route.process(exchange);
                    } catch (Exception e) {
                        exchange.setException(e);
                    }
                });
                done.accept(ran ? Outcome.RAN : Outcome.NO_ROUTE);
            });
        } catch (RejectedExecutionException full) {
            done.accept(Outcome.BUSY);
        }
    }

    private Runner runner(CamelContext camel) {
        Runner existing = runner;
        if (existing == null) {
            synchronized (this) {
                if (runner == null) {
                    ThreadPoolProfile profile = new ThreadPoolProfile("caravan-user-routes");
                    profile.setPoolSize(threads);
                    profile.setMaxPoolSize(threads);
                    profile.setMaxQueueSize(queue);
                    profile.setRejectedPolicy(ThreadPoolRejectedPolicy.Abort);
                    runner = new Runner(camel.getExecutorServiceManager().newThreadPool(this, "caravan-user-route",
                            profile));
                }
                existing = runner;
            }
        }
        return existing;
    }
}

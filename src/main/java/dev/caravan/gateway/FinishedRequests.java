package dev.caravan.gateway;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands finished requests to the observers of one listener, in batches: those that finished in one pass
 * of an event loop go together at the end of that pass. The access log hands its writer thread one batch of
 * lines, so that thread is woken, and writes, once per batch instead of once per request, which cost a
 * context switch and a write each.
 */
final class FinishedRequests {

    private static final Logger LOG = LoggerFactory.getLogger(FinishedRequests.class);

    private final List<RequestObserver> observers;
    /** Drained at the end of every pass, so no batch outgrows what one pass finishes. */
    private final FastThreadLocal<Batch> batches = new FastThreadLocal<>() {
        @Override
        protected Batch initialValue() {
            return new Batch();
        }
    };

    /** What the observers read of request and response headers: names as nginx's variables have them. */
    private final String[] headerNames;
    private final String[] responseHeaderNames;
    private final String[] upstreamHeaderNames;
    private final boolean readsConnection;

    FinishedRequests(List<RequestObserver> observers) {
        this.observers = observers;
        headerNames = observers.stream().flatMap(observer -> observer.requestHeaders().stream()).distinct()
                .toArray(String[]::new);
        responseHeaderNames = observers.stream().flatMap(observer -> observer.responseHeaders().stream()).distinct()
                .toArray(String[]::new);
        String[] upstream = observers.stream().flatMap(observer -> observer.upstreamHeaders().stream()).distinct()
                .toArray(String[]::new);
        upstreamHeaderNames = upstream.length == 0 ? null : upstream;
        readsConnection = observers.stream().anyMatch(RequestObserver::readsConnection);
    }

    /** Whether a record keeps its connection's address and TLS. */
    boolean readsConnection() {
        return readsConnection;
    }

    /** The response headers a record keeps the values of, as sent to the client; empty for none. */
    String[] responseHeaderNames() {
        return responseHeaderNames;
    }

    /** The pod response headers a record keeps the values of, as the pod sent them; {@code null} for none. */
    String[] upstreamHeaderNames() {
        return upstreamHeaderNames;
    }

    /** The request headers a record keeps the values of, as the client sent them; empty for none. */
    String[] headerNames() {
        return headerNames;
    }

    /** Called on {@code loop}, the event loop the request was served on. */
    void add(EventExecutor loop, RequestRecord record) {
        Batch batch = batches.get();
        batch.records.add(record);
        if (batch.records.size() == 1) {
            try {
                loop.execute(batch);
            } catch (RejectedExecutionException shutDown) {
                batch.run();
            }
        }
    }

    private final class Batch implements Runnable {
        private final ArrayList<RequestRecord> records = new ArrayList<>();

        @Override
        public void run() {
            for (RequestObserver observer : observers) {
                try {
                    observer.completed(records);
                } catch (RuntimeException e) {
                    LOG.warn("Request observer {} failed", observer, e);
                }
            }
            records.clear();
        }
    }
}

package dev.caravan.gateway;

import dev.caravan.routing.PercentEncoding;
import dev.caravan.routing.RoutePolicy;
import dev.caravan.routing.SettableHeaders;
import dev.caravan.routing.UrlTemplate;
import dev.caravan.upstream.HopByHopHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ingress-nginx's {@code mirror-target}, as nginx's {@code mirror}: a copy of each request of the route goes to
 * another URL once the request is whole, with the client's headers, the {@code mirror-host} as Host and, unless
 * {@code mirror-request-body: off}, its body; the answer is not read past its head. A copy never delays or fails the
 * request itself: one that cannot be made at once (too many under way, to its target or in all, too large a body, no
 * memory left for bodies) is not made. The copies failed and not made are counted in a log line a minute, when there
 * are any. The JDK's HTTP client sends them, on threads of its own.
 */
public final class RequestMirrors {

    private static final Logger LOG = LoggerFactory.getLogger(RequestMirrors.class);
    /** Copies sent and not yet answered, all routes together. */
    static final int MAX_IN_FLIGHT = 1024;
    /** Copies sent to one target (scheme, host and port) and not yet answered: one that hangs leaves the rest room. */
    static final int MAX_PER_TARGET = 128;
    /** The bodies of copies under way to one target: a target that hangs holds no more of the memory for bodies. */
    static final long MAX_TARGET_BODIES = 16L << 20;
    /** A body larger is not copied: the copy is not made. */
    static final int MAX_BODY = 1 << 20;
    /** The bodies held for copies at once, all routes together. */
    static final long MAX_BODIES = 64L << 20;
    /** As nginx's default proxy_read_timeout for the mirror's location: the wait for the answer's head. */
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final ThreadPoolExecutor executor;
    private final HttpClient client;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    /** Per target, its copies under way; a target is forgotten when it has none, so this is bounded by them. */
    private final ConcurrentHashMap<String, Load> perTarget = new ConcurrentHashMap<>();
    private final AtomicLong bodyBytes = new AtomicLong();
    private final Losses failed = new Losses();
    private final Losses notMade = new Losses();
    private final AtomicLong answered = new AtomicLong();
    private final ScheduledExecutorService reporter;

    /** @param connectTimeout how long to wait for the mirror's connection */
    public RequestMirrors(Duration connectTimeout) {
        // the client runs its own tasks here too and stops for good if one is refused: none is (a full queue runs it
        // on the submitting thread); copies are only queued while the queue has room for the client's tasks
        // threads enough that targets whose names resolve slowly (the client resolves on them) leave others some
        executor = new ThreadPoolExecutor(16, 16, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(16 * MAX_IN_FLIGHT),
                new DefaultThreadFactory("caravan-mirror", true), new ThreadPoolExecutor.CallerRunsPolicy());
        executor.allowCoreThreadTimeOut(true);
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER).executor(executor).build();
        reporter = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("caravan-mirror-report", true));
        reporter.scheduleWithFixedDelay(this::report, 1, 1, TimeUnit.MINUTES);
    }

    /** Stops the client's threads (when Caravan stops), saying what was lost since the last report. */
    public void close() {
        executor.shutdownNow();
        reporter.shutdownNow();
        report();
    }

    /** How many copies were lost one way, since the last report and in all, and the last of them. */
    private static final class Losses {

        private final AtomicLong count = new AtomicLong();
        private final AtomicLong total = new AtomicLong();
        private volatile String last;

        void add(String why) {
            last = why;
            count.incrementAndGet();
            total.incrementAndGet();
        }

        String take() {
            long taken = count.getAndSet(0);
            return taken == 0 ? null : taken + " (the last: " + PercentEncoding.aboveAscii(last) + ")";
        }
    }

    private void report() {
        String failures = failed.take();
        String missed = notMade.take();
        if (failures != null || missed != null) {
            LOG.warn("mirror-target: request copies failed: {}; not made: {}", failures == null ? "none" : failures,
                    missed == null ? "none" : missed);
        }
    }

    /**
     * The headers of a request as a copy carries them: those the client sent that go on to a pod, made before the
     * request's checks add theirs (auth-url's answer, an interceptor's), which nginx's mirror does not send either.
     */
    static HttpHeaders headersOf(HttpHeaders request) {
        HttpHeaders copied = request.copy();
        HopByHopHeaders.strip(copied);
        return copied;
    }

    /**
     * The copy of a request, to be given its body as it is read; {@code null} when none is made. On the event loop.
     *
     * @param headers  the request's, from {@link #headersOf}
     * @param maxBody  the largest body the request may have (0: any): a copy of a request refused for its body is
     *                 not sent
     */
    Copy start(RoutePolicy.Mirror mirror, String method, HttpHeaders headers, UrlTemplate.Request values,
            long maxBody) {
        URI url = mirror.target().expand(values);
        if (url == null) {
            notMade.add(mirror.target() + ": no URL for " + values.uri());
            return null;
        }
        return new Copy(url, method, mirror.host(), headers, mirror.requestBody(), maxBody);
    }

    /** One request's copy: its body gathered as the request's is read, sent when that is whole. */
    final class Copy {

        private final URI url;
        /** Its target's scheme, host and port: what the limits per target count by. */
        private final String target;
        private final String method;
        private final String host;
        private final HttpHeaders headers;
        private final boolean withBody;
        private final long maxBody;
        private final List<byte[]> body = new ArrayList<>(2);
        private long seen;
        private long held;
        private boolean over;
        /** The body's bytes counted to its target while it is under way. */
        private long targetBytes;

        private Copy(URI url, String method, String host, HttpHeaders headers, boolean withBody, long maxBody) {
            this.url = url;
            this.target = url.getScheme() + "://" + url.getRawAuthority();
            this.method = method;
            this.host = host;
            this.headers = headers;
            this.withBody = withBody;
            this.maxBody = maxBody;
        }

        /** A piece of the request's body, read: copied (the caller keeps it), and the copy sent after the last. */
        void content(HttpContent content) {
            if (over) {
                return;
            }
            int bytes = content.content().readableBytes();
            seen += bytes;
            if (maxBody > 0 && seen > maxBody) {
                abandon("the request's body is over its proxy-body-size");
                return;
            }
            if (withBody && bytes > 0) {
                if (seen > MAX_BODY) {
                    abandon("a body over " + MAX_BODY + " bytes");
                    return;
                }
                if (bodyBytes.addAndGet(bytes) > MAX_BODIES) {
                    bodyBytes.addAndGet(-bytes);
                    abandon("the bodies held for copies are at their limit");
                    return;
                }
                held += bytes;
                byte[] piece = new byte[bytes];
                content.content().getBytes(content.content().readerIndex(), piece);
                body.add(piece);
            }
            if (content instanceof LastHttpContent) {
                over = true;
                send(this);
            }
        }

        /** The request ended before its body did: no copy. */
        void abandon(String why) {
            if (!over) {
                over = true;
                releaseBody(this);
                notMade.add(url.getHost() + ": " + why);
            }
        }
    }

    private void send(Copy copy) {
        // the client's own tasks keep their room in the queue
        if (executor.getQueue().remainingCapacity() < MAX_IN_FLIGHT || !inFlight.tryAcquire()) {
            releaseBody(copy);
            notMade.add(copy.url.getHost() + ": " + MAX_IN_FLIGHT + " copies under way");
            return;
        }
        String target = copy.target;
        boolean[] admitted = {false};
        perTarget.compute(target, (key, load) -> {
            Load now = load == null ? new Load(0, 0) : load;
            admitted[0] = now.copies() < MAX_PER_TARGET && now.bytes() + copy.held <= MAX_TARGET_BODIES;
            return admitted[0] ? new Load(now.copies() + 1, now.bytes() + copy.held) : load;
        });
        if (!admitted[0]) {
            inFlight.release();
            releaseBody(copy);
            notMade.add(copy.url.getHost() + ": " + MAX_PER_TARGET + " copies or " + (MAX_TARGET_BODIES >> 20)
                    + " MiB of bodies under way to " + target);
            return;
        }
        copy.targetBytes = copy.held;
        HttpRequest request;
        try {
            HttpRequest.Builder builder = HttpRequest.newBuilder(copy.url).timeout(TIMEOUT);
            if (copy.held == 0) {
                JdkHttp.bodiless(builder, copy.method);
            } else {
                // with its length, as the request's own; a list of its own, as done() clears the copy's
                builder.method(copy.method, HttpRequest.BodyPublishers.fromPublisher(
                        HttpRequest.BodyPublishers.ofByteArrays(List.copyOf(copy.body)), copy.held));
            }
            for (Map.Entry<String, String> header : copy.headers) {
                // the framing is the JDK client's own
                if (SettableHeaders.settable(header.getKey())) {
                    builder.header(header.getKey(), header.getValue());
                }
            }
            JdkHttp.host(builder, copy.host);
            request = builder.build();
        } catch (IllegalArgumentException unsendable) {
            done(copy);
            notMade.add(copy.url.getHost() + ": the JDK's client refuses it: " + unsendable.getMessage());
            return;
        }
        executor.execute(() -> {
            try {
                client.sendAsync(request, info -> new HeadOnly()).whenComplete((response, failure) -> {
                    done(copy);
                    if (failure != null) {
                        failed.add(copy.url.getHost() + ": " + JdkHttp.why(failure));
                    } else {
                        answered.incrementAndGet();
                    }
                });
            } catch (RuntimeException refused) {
                done(copy);
                failed.add(copy.url.getHost() + ": " + refused);
            }
        });
    }

    /** An answer's body is not read: its subscription is cancelled (the connection closed), and the copy is done. */
    private static final class HeadOnly implements HttpResponse.BodySubscriber<Void> {

        private final CompletableFuture<Void> body = new CompletableFuture<>();

        @Override
        public CompletionStage<Void> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.cancel();
            body.complete(null);
        }

        @Override
        public void onNext(List<ByteBuffer> item) {
            // nothing is asked for
        }

        @Override
        public void onError(Throwable throwable) {
            body.complete(null);
        }

        @Override
        public void onComplete() {
            body.complete(null);
        }
    }

    /** What one target has under way. */
    private record Load(int copies, long bytes) {
    }


    /** A copy sent is over (answered, failed, or refused by the client): what it took is given back. */
    private void done(Copy copy) {
        releaseBody(copy);
        long bytes = copy.targetBytes;
        perTarget.computeIfPresent(copy.target, (key, load) -> load.copies() == 1 ? null
                : new Load(load.copies() - 1, load.bytes() - bytes));
        inFlight.release();
    }

    private void releaseBody(Copy copy) {
        bodyBytes.addAndGet(-copy.held);
        copy.held = 0;
        copy.body.clear();
    }

    /** Copies the target answered (any status), since start. */
    public long answered() {
        return answered.get();
    }

    /** Copies sent that failed (no connection, no answer in time, TLS), since start. */
    public long failed() {
        return failed.total.get();
    }

    /** Copies not made: a limit reached, a body too large, a request that ended first, since start. */
    public long notMade() {
        return notMade.total.get();
    }

    /** Copies sent and not yet answered (for tests). */
    int inFlight() {
        return MAX_IN_FLIGHT - inFlight.availablePermits();
    }

    /** The bytes of bodies held for copies (for tests). */
    long heldBodyBytes() {
        return bodyBytes.get();
    }
}

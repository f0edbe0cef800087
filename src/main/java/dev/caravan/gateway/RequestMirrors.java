package dev.caravan.gateway;

import dev.caravan.routing.PercentEncoding;
import dev.caravan.routing.RoutePolicy;
import dev.caravan.routing.SettableHeaders;
import dev.caravan.routing.UrlTemplate;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ingress-nginx's {@code mirror-target}, as nginx's {@code mirror}: a copy of each request of the route goes to
 * another URL once the request is whole, with the client's headers, the {@code mirror-host} as Host and, unless
 * {@code mirror-request-body: off}, its body; the answer is dropped. A copy never delays or fails the request
 * itself: one that cannot be made at once (too many under way, too large a body, no memory left for bodies) is not
 * made, and the copies not made or failed are logged at most once a minute, with their count. The JDK's HTTP client
 * sends them, on threads of its own.
 */
public final class RequestMirrors {

    private static final Logger LOG = LoggerFactory.getLogger(RequestMirrors.class);
    /** Copies under way or waiting for their request's body, all routes together. */
    static final int MAX_IN_FLIGHT = 256;
    /** A body larger is not copied: the copy is not made. */
    static final int MAX_BODY = 1 << 20;
    /** The bodies held for copies at once, all routes together. */
    static final long MAX_BODIES = 64L << 20;
    /** As nginx's default proxy_read_timeout for the mirror's location. */
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final ThreadPoolExecutor executor;
    private final HttpClient client;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private final AtomicLong bodyBytes = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong lastWarned = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);

    /** @param connectTimeout how long to wait for the mirror's connection */
    public RequestMirrors(Duration connectTimeout) {
        executor = new ThreadPoolExecutor(1, 2, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(4 * MAX_IN_FLIGHT),
                new DefaultThreadFactory("caravan-mirror", true), new ThreadPoolExecutor.AbortPolicy());
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER).executor(executor).build();
    }

    /** Stops the client's threads (when Caravan stops). */
    public void close() {
        executor.shutdownNow();
    }

    /**
     * The copy of a request, to be given its body as it is read; {@code null} when none is made. On the event loop,
     * before the request's headers are changed for the pod.
     */
    Copy start(RoutePolicy.Mirror mirror, HttpRequest request, UrlTemplate.Request values) {
        URI url = mirror.target().expand(values);
        if (url == null) {
            lost("its URL is no URL for " + values.uri());
            return null;
        }
        if (!inFlight.tryAcquire()) {
            lost(MAX_IN_FLIGHT + " copies under way");
            return null;
        }
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (Map.Entry<String, String> header : request.headers()) {
            // the framing is the JDK client's own; the Host is the mirror's
            if (SettableHeaders.settable(header.getKey())) {
                headers.add(Map.entry(header.getKey(), header.getValue()));
            }
        }
        return new Copy(url, request.method().name(), mirror.host(), headers, mirror.requestBody());
    }

    /** One request's copy: its body gathered as the request's is read, sent when that is whole. */
    final class Copy {

        private final URI url;
        private final String method;
        private final String host;
        private final List<Map.Entry<String, String>> headers;
        private final boolean withBody;
        private byte[] body = new byte[0];
        private int length;
        private boolean over;

        private Copy(URI url, String method, String host, List<Map.Entry<String, String>> headers, boolean withBody) {
            this.url = url;
            this.method = method;
            this.host = host;
            this.headers = headers;
            this.withBody = withBody;
        }

        /** A piece of the request's body, read: copied (the caller keeps it), and the copy sent after the last. */
        void content(HttpContent content) {
            if (over) {
                return;
            }
            int bytes = content.content().readableBytes();
            if (withBody && bytes > 0) {
                if (length + bytes > MAX_BODY || bodyBytes.addAndGet(bytes) > MAX_BODIES) {
                    if (length + bytes <= MAX_BODY) {
                        bodyBytes.addAndGet(-bytes);
                    }
                    abandon(length + bytes > MAX_BODY ? "a body over " + MAX_BODY + " bytes"
                            : "no room left for bodies");
                    return;
                }
                if (length + bytes > body.length) {
                    body = Arrays.copyOf(body, Math.min(MAX_BODY, Math.max(length + bytes, 2 * body.length)));
                }
                content.content().getBytes(content.content().readerIndex(), body, length, bytes);
                length += bytes;
            }
            if (content instanceof LastHttpContent) {
                over = true;
                send(this);
            }
        }

        /** The request ended before its body did (or its body cannot be copied): no copy. */
        void abandon(String why) {
            if (!over) {
                over = true;
                done(this);
                lost(why);
            }
        }
    }

    private void send(Copy copy) {
        java.net.http.HttpRequest request;
        try {
            java.net.http.HttpRequest.Builder builder = java.net.http.HttpRequest.newBuilder(copy.url).timeout(TIMEOUT)
                    .method(copy.method, copy.length == 0 ? java.net.http.HttpRequest.BodyPublishers.noBody()
                            : java.net.http.HttpRequest.BodyPublishers.ofByteArray(copy.body, 0, copy.length));
            for (Map.Entry<String, String> header : copy.headers) {
                builder.header(header.getKey(), header.getValue());
            }
            hostHeader(builder, copy.host);
            request = builder.build();
        } catch (IllegalArgumentException unsendable) {
            done(copy);
            lost("the JDK's client refuses it: " + unsendable.getMessage());
            return;
        }
        try {
            executor.execute(() -> client.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                    .whenComplete((response, failure) -> {
                        done(copy);
                        if (failure != null) {
                            lost(copy.url.getHost() + ": " + ExternalAuth.why(failure));
                        }
                    }));
        } catch (RejectedExecutionException stopping) {
            done(copy);
            lost("too many copies waiting to be sent");
        }
    }

    /**
     * The mirror's Host, as nginx's {@code proxy_set_header Host}: the JDK's client lets it be set only with
     * {@code jdk.httpclient.allowRestrictedHeaders=host}, which Caravan's main sets; without it, the URL's host goes.
     */
    private static void hostHeader(java.net.http.HttpRequest.Builder builder, String host) {
        try {
            builder.setHeader("Host", host);
        } catch (IllegalArgumentException restricted) {
            // the URL's own host, with its port: what the JDK's client sends when it is not told
        }
    }

    private void done(Copy copy) {
        if (copy.withBody) {
            bodyBytes.addAndGet(-copy.length);
        }
        copy.body = null;
        inFlight.release();
    }

    private void lost(String why) {
        long count = lost.incrementAndGet();
        long now = System.nanoTime();
        long last = lastWarned.get();
        if (now - last >= WARN_EVERY_NANOS && lastWarned.compareAndSet(last, now)) {
            lost.addAndGet(-count);
            LOG.warn("mirror-target: {} request copies not made or failed since the last such line (one a minute at"
                    + " most); the last: {}", count, PercentEncoding.aboveAscii(why));
        }
    }
}

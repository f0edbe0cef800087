package dev.caravan.upstream;

import dev.caravan.routing.Backend;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One request proxied to a pod, streamed both ways: the client's body is read one message at a time
 * and only while the pod's connection can take more, and the pod's response is read only while the
 * client can take more. Everything runs on the client connection's event loop.
 *
 * <p>A failed connect tries the next endpoint (nothing was sent). When a pooled connection turns out
 * closed by the pod before it answered, an idempotent request whose body was not sent is tried again
 * (on another pooled connection or a new one).
 */
public final class ProxyCall {

    private static final int MAX_STALE_RETRIES = 3;
    /** limit-rate: a pause shorter than this is not worth a timer; the next one makes up for it. */
    private static final long MIN_PACE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS,
            HttpMethod.TRACE, HttpMethod.PUT, HttpMethod.DELETE);

    private final UpstreamClient client;
    private final CallOptions options;
    private final ChannelHandlerContext downstream;
    private final HttpRequest request;
    private final Backend backend;
    private final ProxyCallListener listener;
    private final boolean clientKeepAlive;
    private final boolean clientHttp10;
    private final boolean headRequest;
    private final List<InetSocketAddress> tried = new ArrayList<>(2);
    private final InetSocketAddress preferred;

    private final long startedNanos = System.nanoTime();
    private long attemptStarted;
    private boolean attemptOpen;
    private int attempts;
    private InetSocketAddress endpoint;
    private Channel upstream;
    private PodConnection pod;
    private boolean upstreamReused;
    private HttpContent pendingContent;
    /** The body sent on an HTTP/2 stream, kept to send again if the pod refuses the stream; else {@code null}. */
    private final RequestReplay replay;
    private boolean requestBodySent;
    private long requestBodyBytes;
    private boolean requestComplete;
    private boolean awaitingUpstreamWritable;
    private boolean responseStarted;
    /**
     * The response head, prepared, until the first of its content comes or the pod's read ends: a small
     * response's head and last content go to the client as one message, one write down its pipeline.
     */
    private HttpResponse pendingHead;
    private boolean skippingInterim;
    /** Whether the client was told 100 Continue: one is all it waits for. */
    private boolean continued;
    private boolean upstreamKeepAlive;
    private boolean closeDelimited;
    private boolean finished;
    private long lastUpstreamRead;
    /** Whether the call waits for the pod, its silence timed by proxy-read-timeout (on the connection's timer). */
    private boolean watchingReads;
    /**
     * limit-rate: the body's bytes sent on, what is held for the pace and the timer that sends it, and whether the pod's
     * side is over (its whole body held, its connection let go) while the client's goes on.
     */
    private long bodySent;
    private ArrayDeque<HttpContent> paced;
    private ScheduledFuture<?> paceTimer;
    private boolean podEnded;
    private ScheduledFuture<?> sendTimer;

    /**
     * @param request         the request head as it is to be sent, its headers already prepared
     * @param clientKeepAlive whether the client connection may serve another request afterwards
     * @param preferred       the endpoint to try first (a sticky session's), or {@code null}
     */
    public ProxyCall(UpstreamClient client, CallOptions options, ChannelHandlerContext downstream, HttpRequest request,
            HttpVersion clientVersion, boolean clientKeepAlive, Backend backend, InetSocketAddress preferred,
            ProxyCallListener listener) {
        this.client = client;
        this.preferred = preferred;
        this.options = options;
        this.downstream = downstream;
        this.request = request;
        this.backend = backend;
        this.listener = listener;
        this.clientKeepAlive = clientKeepAlive;
        this.clientHttp10 = clientVersion.minorVersion() == 0;
        this.headRequest = HttpMethod.HEAD.equals(request.method());
        if (options.http2()) {
            // gRPC servers want it, and HTTP/2 allows TE with this one value
            request.headers().set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
        }
        replay = options.http2() ? new RequestReplay() : null;
        // drained and ejected endpoints count as tried: the balancer avoids them, and no retry goes there
        client.drains().addDrainedOf(backend, tried);
        client.outliers().addEjectedOf(backend, tried);
    }

    /**
     * A call whose request has no body and none to read from the client: an error page fetched for a
     * request the client already sent whole.
     */
    public static ProxyCall bodiless(UpstreamClient client, CallOptions options, ChannelHandlerContext downstream,
            HttpRequest request, HttpVersion clientVersion, boolean clientKeepAlive, Backend backend,
            ProxyCallListener listener) {
        ProxyCall call = new ProxyCall(client, options, downstream, request, clientVersion, clientKeepAlive, backend,
                null, listener);
        call.requestComplete = true;
        return call;
    }

    public void start() {
        attempt();
    }

    /** Tells the balancer how the current attempt went (once): its time to the response head, or to failing. */
    private void endAttempt() {
        if (attemptOpen) {
            endAttempt(System.nanoTime());
        }
    }

    private void endAttempt(long now) {
        if (attemptOpen) {
            attemptOpen = false;
            backend.balancer().finished(endpoint, now - attemptStarted);
        }
    }

    private void attempt() {
        endAttempt();
        // a new connection: the last one's back-pressure is not its
        awaitingUpstreamWritable = false;
        attempts++;
        endpoint = preferred != null && !tried.contains(preferred) && backend.endpoints().contains(preferred)
                ? preferred : backend.balancer().choose(backend.endpoints(), tried);
        tried.add(endpoint);
        attemptStarted = System.nanoTime();
        attemptOpen = true;
        backend.balancer().started(endpoint);
        listener.attempting(endpoint);
        InetSocketAddress target = endpoint;
        Future<Channel> connection = client.acquire(downstream.channel().eventLoop(), target, options);
        if (connection.isDone()) {
            connected(connection, target);
        } else {
            connection.addListener(f -> connected(connection, target));
        }
    }

    private void connected(Future<Channel> connection, InetSocketAddress target) {
        if (!connection.isSuccess()) {
            Throwable cause = connection.cause();
            endAttempt();
            if (cause instanceof StreamRefused) {
                // the pod went away before a stream could open on it: nothing was sent, and the pod is not at fault
                if (!finished && attempts < MAX_STALE_RETRIES) {
                    retrySamePod();
                    return;
                }
            } else {
                client.outliers().failed(target);
            }
            if (finished) {
                return;
            }
            // nothing was sent: any method may go to the next pod
            String condition = cause instanceof ConnectTimeoutException ? "timeout" : "error";
            if (options.nextUpstream().on(condition) && mayTryAnotherPod()) {
                if (cause instanceof ConnectTimeoutException) {
                    listener.tryTimedOut();
                }
                attempt();
                return;
            }
            HttpResponseStatus status = cause instanceof ConnectTimeoutException
                    ? HttpResponseStatus.GATEWAY_TIMEOUT : HttpResponseStatus.BAD_GATEWAY;
            // a connection the pod closed has no message: its class says that much (an HTTP/1 pod of a GRPC backend
            // closes after its answer to the HTTP/2 preface)
            fail(status, "connecting to " + target + " of " + backend.name() + " failed: " + (cause.getMessage() != null
                    ? cause.getMessage() : cause.getClass().getSimpleName() + (options.http2()
                            ? " (the pod did not speak HTTP/2, which backend-protocol GRPC and GRPCS need?)" : "")));
            return;
        }
        Channel channel = connection.getNow();
        if (finished) {
            // the client left while we connected; nothing was written, so the connection is reusable
            client.release(channel);
            return;
        }
        upstream = channel;
        pod = PodConnection.of(channel);
        upstreamReused = pod.uses() > 0;
        listener.upstreamConnected(upstreamReused ? 0 : System.nanoTime() - attemptStarted);
        pod.attach(this);
        if (replay == null && (requestComplete || emptyEnd(pendingContent))) {
            // a request without a body goes as one message: one write down the pod's pipeline; no promise, as
            // a failed write reaches PodConnection.exceptionCaught, which ends the attempt
            ReferenceCountUtil.release(pendingContent);
            pendingContent = null;
            requestComplete = true;
            channel.writeAndFlush(new DefaultFullHttpRequest(request.protocolVersion(), request.method(),
                    request.uri(), Unpooled.EMPTY_BUFFER, request.headers(), EmptyHttpHeaders.INSTANCE),
                    channel.voidPromise());
            // a write that failed at once (a pooled connection the pod had reset) has ended this attempt already
            if (channel == upstream && !finished) {
                watchPodReads();
            }
            return;
        }
        PodConnection stream = pod;
        ChannelFuture head = channel.write(request);
        if (replay != null) {
            // HEADERS that could not go out (the pod's GOAWAY came first) opened no stream the pod saw
            head.addListener(written -> {
                if (!written.isSuccess()) {
                    stream.refused();
                }
            });
        }
        // a stream the pod refused: what of the body had gone goes again
        boolean resent = replay != null && replay.resend(channel);
        if (requestComplete) {
            // a retry: the request's end was already read from the client
            if (resent) {
                channel.flush();
            } else {
                channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            }
            watchPodReads();
        } else if (pendingContent != null) {
            HttpContent content = pendingContent;
            pendingContent = null;
            clientContent(content);
        } else {
            channel.flush();
            listener.requestBody();
        }
    }

    /** Whether {@code content} is a request's end that carries nothing: no bytes, no trailers. */
    private static boolean emptyEnd(HttpContent content) {
        return content instanceof LastHttpContent last && !last.content().isReadable()
                && last.trailingHeaders().isEmpty();
    }

    /** A piece of the client's request body (the last one is a {@link LastHttpContent}). */
    public void clientContent(HttpContent content) {
        if (finished || podEnded) {
            // the pod answered whole (limit-rate may still be sending it): no more of the request goes to it
            content.release();
            return;
        }
        Channel channel = upstream;
        if (channel == null) {
            pendingContent = content;
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (last) {
            TrailerFields.clean((LastHttpContent) content);
        }
        requestBodyBytes += content.content().readableBytes();
        if (options.maxBodySize() > 0 && requestBodyBytes > options.maxBodySize()) {
            // a chunked body that outgrew the limit: the pod must not take it as complete
            content.release();
            if (responseStarted) {
                clientClosed();
                abortResponse("request body over " + options.maxBodySize() + " bytes");
            } else {
                fail(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request body over " + options.maxBodySize()
                        + " bytes");
            }
            return;
        }
        if (content.content().isReadable()) {
            requestBodySent = true;
        }
        if (replay != null) {
            replay.keep(content, channel);
        }
        ChannelFuture written = channel.writeAndFlush(content);
        if (last) {
            requestComplete = true;
            watchPodReads();
            return;
        }
        if (!written.isDone()) {
            // the pod is not taking the body right now: it has proxy-send-timeout to take it
            startSendTimer(channel);
        }
        written.addListener(f -> {
            if (f.isSuccess() && channel == upstream && !finished) {
                if (channel.isWritable()) {
                    cancelSendTimer();
                    listener.requestBody();
                } else {
                    awaitingUpstreamWritable = true;
                    startSendTimer(channel);
                }
            }
        });
    }

    void upstreamWritabilityChanged(Channel channel) {
        if (channel == upstream && awaitingUpstreamWritable && channel.isWritable()) {
            awaitingUpstreamWritable = false;
            cancelSendTimer();
            listener.requestBody();
        }
    }

    /**
     * limit-rate: a piece of the body goes on when the pace allows it; one that would put the response ahead is held,
     * with what the pod sends after it, and the pod is not read meanwhile. Netty reads a pod that closed its connection
     * to the end whatever we ask, so held pieces are the pace's to send, not the pod's to stop: once the body's last
     * piece is in, the pod's connection goes back to the pool (or is closed) and the rest goes on at the pace. What is
     * held is at most what the pod had sent beyond the pace: its socket's buffer.
     */
    private void pace(Channel channel, HttpContent content) {
        if (paced == null) {
            paced = new ArrayDeque<>(4);
        }
        paced.add(content);
        if (paced.size() == 1) {
            // nothing else held, so no timer pending
            sendWhatThePaceAllows(channel);
            if (finished) {
                return;
            }
        }
        if (paced.isEmpty()) {
            return;
        }
        if (content instanceof LastHttpContent) {
            endPod();
        } else {
            channel.config().setAutoRead(false);
        }
    }

    /**
     * Sends on what the pace allows now of the held body, a piece's first part if the pace allows that much of it (a
     * long piece at a low rate would otherwise come in bursts after silences), and sets a timer for the rest.
     */
    private void sendWhatThePaceAllows(Channel channel) {
        ResponsePace pace = options.responsePace();
        while (!paced.isEmpty()) {
            HttpContent next = paced.peek();
            long elapsed = System.nanoTime() - startedNanos;
            long length = next.content().readableBytes();
            if (pace.delayNanos(bodySent + length, elapsed) < MIN_PACE_NANOS) {
                sendPaced(channel, paced.poll());
                if (finished) {
                    return;
                }
                continue;
            }
            long allowed = pace.allowed(bodySent, elapsed);
            if (allowed >= pace.quantum()) {
                sendPaced(channel, new DefaultHttpContent(next.content().readRetainedSlice((int) allowed)));
                if (finished) {
                    return;
                }
                length -= allowed;
            }
            writeHead();
            downstream.flush();
            if (!finished) {
                // at least the least pause worth a timer: a part a rounding short of due would wake it at once
                releasePacedIn(channel, Math.max(MIN_PACE_NANOS,
                        pace.delayNanos(bodySent + Math.min(length, pace.quantum()), elapsed)));
            }
            return;
        }
    }

    /** Sends on what the pace now allows of the held body; once none is held, reads the pod again (if still on). */
    private void releasePaced(Channel channel) {
        paceTimer = null;
        if (finished || !podEnded && channel != upstream) {
            releaseHeld();
            return;
        }
        sendWhatThePaceAllows(channel);
        if (finished || !paced.isEmpty()) {
            return;
        }
        downstream.flush();
        if (!podEnded && downstream.channel().isWritable()) {
            // the pod's silence is counted from the end of the pause we imposed, not across it
            lastUpstreamRead = System.nanoTime();
            channel.config().setAutoRead(true);
        }
    }

    private void releasePacedIn(Channel channel, long nanos) {
        // on the client's loop (the pod's is the same): the pod's connection may be let go before the timer fires
        paceTimer = downstream.channel().eventLoop().schedule(() -> releasePaced(channel), nanos, TimeUnit.NANOSECONDS);
    }

    private void sendPaced(Channel channel, HttpContent content) {
        bodySent += content.content().readableBytes();
        if (content instanceof LastHttpContent last) {
            TrailerFields.clean(last);
            complete(downstream.writeAndFlush(withHead(last)));
            return;
        }
        writeHead();
        downstream.write(content);
        if (!podEnded && !downstream.channel().isWritable()) {
            channel.config().setAutoRead(false);
        }
    }

    private void releaseHeld() {
        HttpContent held;
        while (paced != null && (held = paced.poll()) != null) {
            held.release();
        }
    }

    /** The client connection's writability changed: resume reading the pod when the client can take more. */
    public void clientWritabilityChanged() {
        if (upstream != null && downstream.channel().isWritable() && (paced == null || paced.isEmpty())) {
            // the pod's silence is counted from the end of the pause we imposed, not across it
            lastUpstreamRead = System.nanoTime();
            upstream.config().setAutoRead(true);
        }
    }

    void upstreamRead(Channel channel, HttpObject msg) {
        if (channel != upstream || finished) {
            ReferenceCountUtil.release(msg);
            return;
        }
        lastUpstreamRead = System.nanoTime();
        if (msg.decoderResult().isFailure()) {
            ReferenceCountUtil.release(msg);
            channel.close();
            Throwable cause = msg.decoderResult().cause();
            // a connection closed mid-head is a connection error, as nginx counts it; anything else is no HTTP
            upstreamFailed(channel, cause, !(cause instanceof PrematureChannelClosureException));
            return;
        }
        if (msg instanceof HttpResponse response && !startResponse(response)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpContent content) {
            if (skippingInterim) {
                skippingInterim = !(content instanceof LastHttpContent);
                content.release();
            } else if (!responseStarted) {
                // content before any response head: no HTTP (an HTTP/2 pod's head is checked before this)
                content.release();
                channel.close();
                upstreamFailed(channel, new IllegalStateException("an answer without a head"), true);
            } else if (options.responsePace() != null) {
                pace(channel, content);
            } else if (content instanceof LastHttpContent last) {
                TrailerFields.clean(last);
                complete(downstream.writeAndFlush(withHead(last)));
            } else {
                writeHead();
                downstream.write(content);
                if (!downstream.channel().isWritable()) {
                    channel.config().setAutoRead(false);
                }
            }
        }
    }

    /** Returns whether the response head was forwarded (false for interim 1xx responses). */
    private boolean startResponse(HttpResponse response) {
        int code = response.status().code();
        if (code >= 200 || code == 101) {
            // what the pod answered, before anything here changes it; the attempt ends now, whatever follows
            long now = System.nanoTime();
            listener.podAnswered(response, now - attemptStarted);
            endAttempt(now);
        }
        if (replay != null) {
            // the pod processed the stream (an interim 1xx says so too): it is never refused now
            replay.abandon();
        }
        if (code == 101 && request.headers().contains(HttpHeaderNames.UPGRADE)
                && response.headers().contains(HttpHeaderNames.UPGRADE)) {
            // the client asked to switch and the pod agreed: the call ends, the connections get joined
            endAttempt();
            client.outliers().succeeded(endpoint);
            finished = true;
            responseStarted = true;
            stopTimers();
            Channel pod = detach();
            pod.config().setAutoRead(false);
            listener.upgraded(response, pod, endpoint);
            return false;
        }
        if (code == 101) {
            // nothing asked for an upgrade: the connection is not HTTP any more
            upstream.close();
            fail(HttpResponseStatus.BAD_GATEWAY, "upstream " + endpoint + " of " + backend.name()
                    + " switched protocols unasked");
            return false;
        }
        if (code < 200) {
            skippingInterim = true;
            if (code == 100 && !continued && !clientHttp10 && HttpUtil.is100ContinueExpected(request)) {
                // once: a pod repeating it would have Caravan repeat it as often
                continued = true;
                downstream.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
            }
            return false;
        }
        if (response.headers().contains(HttpHeaderNames.TRANSFER_ENCODING) && !onlyChunked(response)) {
            // a coding Caravan would drop with the framing (gzip, chunked): nginx also refuses it as invalid
            Channel pod = upstream;
            pod.close();
            upstreamFailed(pod, new IllegalStateException("Transfer-Encoding "
                    + response.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING) + " is not just chunked"), true);
            return false;
        }
        if (options.nextUpstream().onStatus(code) && requestComplete && resendable() && mayTryAnotherPod()) {
            // proxy-next-upstream http_NNN: this answer is dropped and the request goes to the next pod, before any
            // error page, as nginx's error_page takes only the last answer
            detach().close();
            stopTimers();
            attempt();
            return false;
        }
        if (options.interceptedStatuses().contains(code) && requestComplete) {
            // custom-http-errors: the pod's answer is dropped and an error page is fetched instead
            endAttempt();
            finished = true;
            stopTimers();
            detach().close();
            listener.intercepted(code);
            return false;
        }
        endAttempt();
        client.outliers().succeeded(endpoint);
        responseStarted = true;
        upstreamKeepAlive = HttpUtil.isKeepAlive(response) && !largeHead(response);
        HttpHeaders headers = response.headers();
        boolean chunked = HttpUtil.isTransferEncodingChunked(response);
        HopByHopHeaders.strip(headers);
        if (chunked || code == 204) {
            // the body was de-chunked: a Content-Length beside the chunking (allowed in HTTP/1.0) is wrong now; and
            // none may come with a 204 (RFC 9110 8.6), which HTTP/2 clients refuse unless it is 0
            headers.remove(HttpHeaderNames.CONTENT_LENGTH);
        }
        boolean bodyless = headRequest || code == 204 || code == 304;
        if (!bodyless && !headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            if (clientHttp10) {
                closeDelimited = true;
            } else {
                HttpUtil.setTransferEncodingChunked(response, true);
            }
        }
        if (!clientKeepAlive || closeDelimited) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (clientHttp10) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        listener.responseHead(response, endpoint);
        pendingHead = response;
        return true;
    }

    /** The pod's last content, with the response head if that is still held. */
    private HttpObject withHead(LastHttpContent last) {
        HttpResponse head = pendingHead;
        if (head == null) {
            return last;
        }
        pendingHead = null;
        return new DefaultFullHttpResponse(head.protocolVersion(), head.status(), last.content(), head.headers(),
                last.trailingHeaders());
    }

    private void writeHead() {
        if (pendingHead != null) {
            downstream.write(pendingHead);
            pendingHead = null;
        }
    }

    /** The response, begun, cannot be finished: its head still goes down, so the request is logged with its status. */
    private void abortResponse(String reason) {
        writeHead();
        listener.aborted(reason);
    }

    /**
     * Whether a route that raised the response head's limit got a head above the default: its decoder keeps a buffer
     * as large as the longest line it read, so the connection is closed after the response rather than pooled.
     */
    private boolean largeHead(HttpResponse response) {
        if (options.maxResponseHead() <= UpstreamClient.MAX_RESPONSE_HEAD) {
            return false;
        }
        return HeaderBytes.of(response.headers()) > UpstreamClient.MAX_RESPONSE_HEAD;
    }

    private static boolean onlyChunked(HttpResponse response) {
        List<String> codings = response.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
        return codings.size() == 1 && codings.get(0).trim().equalsIgnoreCase("chunked");
    }

    void upstreamReadComplete(Channel channel) {
        if (channel == upstream && responseStarted && !finished) {
            writeHead();
            downstream.flush();
        }
    }

    private void complete(ChannelFuture lastWrite) {
        if (!podEnded) {
            endPod();
        }
        finished = true;
        stopTimers();
        // a client whose request body is still unread cannot send another request on this connection
        boolean keepOpen = clientKeepAlive && !closeDelimited && requestComplete;
        lastWrite.addListener(f -> listener.completed(keepOpen && f.isSuccess()));
    }

    /** The pod sent its whole response: its connection goes back to the pool, or is closed. */
    private void endPod() {
        podEnded = true;
        watchingReads = false;
        cancelSendTimer();
        // bytes beyond the response would answer the next request sent on the connection: not reused, as nginx
        boolean clean = pod.sentNoMore();
        Channel channel = detach();
        if (upstreamKeepAlive && requestComplete && clean) {
            client.release(channel);
        } else {
            channel.close();
        }
    }

    void upstreamClosed(Channel channel, Throwable cause) {
        upstreamFailed(channel, cause, false);
    }

    /**
     * The pod closed or reset the connection, or sent what is no HTTP response ({@code invalid}): that one
     * is a pod's fault, never a stale pooled connection, and is tried elsewhere only with
     * {@code proxy-next-upstream: invalid_header}, as nginx.
     */
    private void upstreamFailed(Channel channel, Throwable cause, boolean invalid) {
        if (channel != upstream || finished) {
            return;
        }
        detach();
        if (responseStarted) {
            finished = true;
            stopTimers();
            abortResponse("upstream " + endpoint + " of " + backend.name() + (invalid && cause != null
                    ? " sent an invalid response body: " + cause.getMessage() : " closed mid-response"));
            return;
        }
        // RFC 9113 8.7: the pod did nothing with the stream, so any request may go again, the same pod too
        boolean unprocessed = cause instanceof StreamRefused && replay != null && replay.whole();
        boolean staleConnection = !invalid && upstreamReused && !requestBodySent
                && IDEMPOTENT.contains(request.method());
        if ((unprocessed || staleConnection) && attempts < MAX_STALE_RETRIES) {
            retrySamePod();
            return;
        }
        if (!staleConnection) {
            // a pooled connection the pod had closed says nothing about the pod
            client.outliers().failed(endpoint);
        }
        if (options.nextUpstream().on(invalid ? "invalid_header" : "error") && resendable() && mayTryAnotherPod()) {
            // the pod closed or reset before answering: proxy-next-upstream error, as nginx
            stopTimers();
            attempt();
            return;
        }
        String why = cause == null ? "closed the connection"
                : cause instanceof TooLongHttpHeaderException ? "sent a response head over the route's "
                        + options.maxResponseHead() + " bytes (proxy-buffer-size raises that, up to 1m)"
                : (invalid ? "sent an invalid response: " : "failed: ") + cause.getMessage();
        fail(HttpResponseStatus.BAD_GATEWAY, "upstream " + endpoint + " of " + backend.name() + " " + why
                + " before responding");
    }

    /** Whether the request is a HEAD, whose response has no body whatever its headers say. */
    boolean headRequest() {
        return headRequest;
    }

    /** Whether the response head has gone to the client (a local error response is then too late). */
    public boolean responseStarted() {
        return responseStarted;
    }

    /** Whether the client is expected to be sending body now: connected, not paused, body not complete. */
    public boolean awaitingClientBody() {
        return upstream != null && !requestComplete && !awaitingUpstreamWritable && !finished;
    }

    /** The client connection closed, or its request broke off: whatever is in flight is abandoned. */
    public void clientClosed() {
        endAttempt();
        if (finished) {
            return;
        }
        finished = true;
        stopTimers();
        ReferenceCountUtil.release(pendingContent);
        pendingContent = null;
        releaseReplay();
        if (upstream != null) {
            detach().close();
        }
    }

    /** Tries the current pod again: what failed said nothing about it (a stale connection, a refused stream). */
    private void retrySamePod() {
        tried.remove(endpoint);
        stopTimers();
        attempt();
    }

    /** Whether another pod may be tried: tries and time left, and a pod not tried yet. */
    private boolean mayTryAnotherPod() {
        NextUpstream next = options.nextUpstream();
        boolean triesLeft = next.tries() == 0 || attempts < next.tries();
        boolean timeLeft = next.timeout().isZero()
                || System.nanoTime() - startedNanos < next.timeout().toNanos();
        return triesLeft && timeLeft && tried.size() < backend.endpoints().size();
    }

    /** Whether the request can be sent again: no body went out, and it is idempotent or allowed anyway. */
    private boolean resendable() {
        return !requestBodySent
                && (IDEMPOTENT.contains(request.method()) || options.nextUpstream().on("non_idempotent"));
    }

    private void fail(HttpResponseStatus status, String reason) {
        endAttempt();
        finished = true;
        stopTimers();
        if (upstream != null) {
            detach().close();
        }
        // the client's whole request was read if its end waits here for a pod that never came
        boolean requestRead = requestComplete || pendingContent instanceof LastHttpContent;
        ReferenceCountUtil.release(pendingContent);
        pendingContent = null;
        releaseReplay();
        listener.failed(status, reason, requestRead);
    }

    private void releaseReplay() {
        if (replay != null) {
            replay.release();
        }
    }

    private Channel detach() {
        Channel channel = upstream;
        upstream = null;
        pod.attach(null);
        pod = null;
        channel.config().setAutoRead(true);
        return channel;
    }

    /** From now the pod's silence is timed by proxy-read-timeout, on its connection's timer. */
    private void watchPodReads() {
        if (!watchingReads) {
            watchingReads = true;
            lastUpstreamRead = System.nanoTime();
            pod.watchReads(lastUpstreamRead, options.readTimeout().toNanos());
        }
    }

    /**
     * Checks proxy-read-timeout, at {@code now}, for the connection's timer: returns how long the pod may
     * stay silent from now, or 0 when the call does not wait for it (any more). A pod silent too long is
     * given up on: the request goes to another pod if it may, else the client gets 504 or, with its
     * response begun, a cut.
     */
    long readTimeLeft(long now) {
        if (finished || !watchingReads) {
            return 0;
        }
        long timeout = options.readTimeout().toNanos();
        if (upstream != null && !upstream.config().isAutoRead()) {
            // reading is paused because the client is slow to take the response: not the pod's silence
            lastUpstreamRead = now;
        }
        long quiet = now - lastUpstreamRead;
        if (quiet < timeout) {
            return timeout - quiet;
        }
        watchingReads = false;
        endAttempt();
        if (!responseStarted) {
            client.outliers().failed(endpoint);
        }
        String reason = "upstream " + endpoint + " of " + backend.name() + " sent nothing for "
                + options.readTimeout().toMillis() + " ms";
        if (!responseStarted && requestComplete && options.nextUpstream().on("timeout") && resendable()
                && mayTryAnotherPod()) {
            detach().close();
            listener.tryTimedOut();
            attempt();
        } else if (!responseStarted) {
            fail(HttpResponseStatus.GATEWAY_TIMEOUT, reason);
        } else {
            finished = true;
            detach().close();
            abortResponse(reason);
        }
        return 0;
    }

    /** proxy-send-timeout: a pod that takes no more of the body for this long is given up on. */
    private void startSendTimer(Channel channel) {
        cancelSendTimer();
        sendTimer = downstream.channel().eventLoop().schedule(() -> {
            sendTimer = null;
            if (finished || channel != upstream) {
                return;
            }
            String reason = "upstream " + endpoint + " of " + backend.name() + " took no request body for "
                    + options.sendTimeout().toMillis() + " ms";
            if (responseStarted) {
                finished = true;
                endAttempt();
                stopTimers();
                detach().close();
                abortResponse(reason);
            } else {
                fail(HttpResponseStatus.GATEWAY_TIMEOUT, reason);
            }
        }, options.sendTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The pod is no longer timed: neither its silence (proxy-read-timeout) nor its taking the body. */
    private void stopTimers() {
        watchingReads = false;
        cancelSendTimer();
        if (paceTimer != null) {
            paceTimer.cancel(false);
            paceTimer = null;
        }
        releaseHeld();
    }

    private void cancelSendTimer() {
        if (sendTimer != null) {
            sendTimer.cancel(false);
            sendTimer = null;
        }
    }
}

package dev.caravan.gateway;

import dev.caravan.auth.Users;
import dev.caravan.balance.ClientLimiter;
import dev.caravan.balance.StickySession;
import dev.caravan.routing.Backend;
import dev.caravan.routing.PathRule;
import dev.caravan.routing.GlobalHeaders;
import dev.caravan.routing.HeaderVariables;
import dev.caravan.routing.PercentEncoding;
import dev.caravan.routing.RequestFacts;
import dev.caravan.routing.RequestKey;
import dev.caravan.routing.RoutePolicy;
import dev.caravan.routing.UrlTemplate;
import dev.caravan.routing.RequestPath;
import dev.caravan.routing.RouteMatch;
import dev.caravan.routing.RoutingTable;
import dev.caravan.upstream.CallOptions;
import dev.caravan.upstream.NextUpstream;
import dev.caravan.upstream.ProxyCall;
import dev.caravan.upstream.ProxyCallListener;
import dev.caravan.upstream.UnderscoredHeaders;
import dev.caravan.upstream.UpstreamClient;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.ReadOnlyHttpHeaders;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.Attribute;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Set;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway stage of one client connection. Each request is matched once against the routing table
 * in force; a request for pods is proxied here, in Netty, by a {@link ProxyCall}; a request nothing
 * matches continues down the pipeline to the listener's Camel route (the default backend). Requests
 * on a connection are served one after another: this handler gets a message only when it asks
 * (auto-read is off, and a {@link RequestFlow} hands over one message per read, reading at most one socket
 * read ahead), and it asks for the next request only once the previous response has been written, which
 * is the back-pressure a client that sends faster than it reads meets.
 */
final class GatewayHandler extends ChannelDuplexHandler implements ProxyCallListener {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayHandler.class);
    /** The user event that asks a connection to finish its request and close: the listener drains. */
    static final Object DRAIN = new Object();
    private static final long MAX_DISCARDED_BODY = 64 * 1024;
    /** How long what came of a response cut short may take to reach its client before the connection closes. */
    private static final long ABORTED_DELIVERY_SECONDS = 60;
    /** The source ranges' 403, answered under satisfy: any when no authentication admits the client either. */
    private static final Verdict.Answer SOURCE_REFUSED = new Verdict.Answer(403,
            new ReadOnlyHttpHeaders(false, HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8"),
            "403 Forbidden\n".getBytes(StandardCharsets.US_ASCII));

    private enum State { IDLE, INTERCEPTING, PROXYING, CAMEL, DISCARDING, CLOSED }

    private final Gateway gateway;
    private ChannelHandlerContext ctx;
    private State state = State.IDLE;
    private ProxyCall call;
    /** The copy of the request being proxied, for mirror-target, until its body is whole. */
    private RequestMirrors.Copy mirrorCopy;
    /** For mirror-target: the request's headers before its checks add theirs. */
    private HttpHeaders mirrorHeaders;
    private boolean requestBodyIsSmall;
    private boolean keepAlive;
    private boolean headRequest;
    private boolean camelRequestComplete;
    private final int maxCamelBody;
    /** The body bytes handed to the Camel side so far. */
    private long camelBodyBytes;
    /** The CamelRoute backend the request now in the Camel side goes to, and its proxy-read-timeout, or {@code null}. */
    private String camelRouteName;
    private Duration camelRouteTimeout;
    /** Requests handed to the Camel side on this connection: a timer fires for its own request only. */
    private long camelRequests;
    /** The CamelRoute backend's proxy-read-timeout, from the request's end until its answer begins. */
    private ScheduledFuture<?> camelTimeout;
    /** The request was answered 504 for want of its CamelRoute backend's answer, which is dropped when it comes. */
    private boolean camelAbandoned;
    private boolean readRequested;
    /** The end of a request that came without a body ({@link DecodedRequest}), read when the gateway next reads. */
    private boolean endHeld;
    private boolean draining;
    private boolean active;
    /** The policy of the current request when it asks for an upgrade, else {@code null}. */
    private RoutePolicy upgradePolicy;
    private UpgradeAdmission upgradeAdmission;
    /** The routing table the current request was routed by. */
    private RoutingTable routedBy;
    /** Plain HTTP on the HTTPS listener: each request is answered 400. */
    private boolean plainHttpOnTlsPort;
    private RequestRecorder recorder;
    private ClientTimeouts headerTimeout;
    private ServerCodec codec;
    /** The current request's record, or {@code null} when nothing observes requests. */
    private RequestRecord record;
    private String hsts;
    /** The auth service's cookies for the current request's response, or {@code null}. */
    private AuthCookies authCookies;
    private StickySession sticky;
    private String cors;
    private ClientLimiter limiter;
    /** The client {@link #limiter} counts the current request against. */
    private InetSocketAddress limitedClient;
    private ErrorPage errorPage;
    /** Whether the call under way fetches a custom-http-errors page: not the route's pod, its headers not rewritten. */
    private boolean fetchingErrorPage;
    /** The request's host as nginx's {@code $host} (lower case, no port), or {@code null}. */
    private String host;
    /** Whether the current request matched a rule without a host. */
    private boolean hostChosenByClient;
    /** Identifies the request whose interceptor runs: a verdict for an earlier one is stale. */
    private Object interception;
    /** The operator's headers for every response and request to a pod, of the table the request was routed by. */
    private GlobalHeaders globalHeaders = GlobalHeaders.NONE;
    /** The connection's client, scheme and port, made at its first request (after any PROXY header). */
    private ClientView connectionView;
    /** The current request's: the connection's, or what trusted load balancers say of it. */
    private ClientView view;
    /** What the current request's variables read ({@code upstream-hash-by}, auth-url, proxy-set-headers), once made. */
    private RequestFacts facts;
    /** The request target rewrite-target made of the current request's, or null when its rule rewrites nothing. */
    private String rewrittenTarget;
    /** The values of add-headers for the current request's responses, when a value has variables and it was routed. */
    private String[] globalResponseValues;
    /** The channel's attributes this handler sets and clears per request, looked up once. */
    private Attribute<String> camelRoute;
    private Attribute<Boolean> framingConflict;

    /** What an error page fetched for the current request needs to know of it (custom-http-errors). */
    private record ErrorPage(PathRule rule, Backend backend, String uri, String authority, String accept,
            String requestId, HttpVersion version, CallOptions options) {
    }
    private RoutePolicy policy = RoutePolicy.NONE;

    /** @param maxCamelBody the largest body a Camel route (the default backend's included) is handed */
    GatewayHandler(Gateway gateway, int maxCamelBody) {
        this.gateway = gateway;
        this.maxCamelBody = maxCamelBody;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        recorder = ctx.pipeline().get(RequestRecorder.class);
        headerTimeout = ctx.pipeline().get(ClientTimeouts.class);
        codec = ctx.pipeline().get(ServerCodec.class);
        camelRoute = ctx.channel().attr(CamelRouteBackend.ROUTE);
        framingConflict = ctx.channel().attr(ServerCodec.CONFLICTING_FRAMING);
        plainHttpOnTlsPort = TlsPortSniffer.on(ctx.channel());
        // after a TLS handshake the channel is long active: this handler is added once ALPN has spoken
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
            activate();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        activate();
        ctx.fireChannelActive();
    }

    private void activate() {
        if (!active) {
            active = true;
            gateway.connections().add(ctx.channel());
            // opened, or its handshake done, while the listener drains: its first response closes it
            draining = gateway.connections().draining();
            requestRead();
        }
    }

    /** Asks for the next message; the client owes us data from now until it arrives. */
    private void requestRead() {
        readRequested = true;
        if (state == State.IDLE && headerTimeout != null) {
            headerTimeout.expectHead(codec != null && codec.headBegun());
        }
        if (endHeld) {
            endHeld = false;
            channelRead(ctx, LastHttpContent.EMPTY_LAST_CONTENT);
            return;
        }
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        readRequested = false;
        if (!(msg instanceof HttpRequest) && msg instanceof DecoderResultProvider decoded
                && decoded.decoderResult().isFailure()) {
            ReferenceCountUtil.release(msg);
            onBrokenBody();
            return;
        }
        switch (state) {
            case IDLE -> {
                if (msg instanceof HttpRequest request) {
                    endHeld = request instanceof DecodedRequest decoded && decoded.bodiless();
                    onRequest(request);
                } else {
                    ReferenceCountUtil.release(msg);
                    requestRead();
                }
            }
            case PROXYING -> {
                if (call != null && msg instanceof HttpContent content) {
                    if (mirrorCopy != null) {
                        mirrorCopy.content(content);
                    }
                    call.clientContent(content);
                } else {
                    ReferenceCountUtil.release(msg);
                }
            }
            case CAMEL -> {
                if (msg instanceof HttpContent content && (camelBodyBytes += content.content().readableBytes())
                        > maxCamelBody) {
                    // answered here, with a lingering close, before the aggregator behind would refuse it by a reset
                    ReferenceCountUtil.release(msg);
                    respondAndClose(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
                    return;
                }
                // set before passing it on: the route may answer within this very call
                camelRequestComplete = msg instanceof LastHttpContent;
                if (camelRequestComplete && camelRouteTimeout != null) {
                    // as a pod's: from the request's end, not while the client uploads
                    timeCamelRoute(camelRouteName, camelRouteTimeout);
                    camelRouteTimeout = null;
                }
                ctx.fireChannelRead(msg);
                if (!camelRequestComplete) {
                    requestRead();
                }
            }
            case DISCARDING -> {
                // the pod answered, or failed, before the body was whole: its copy is still nginx's to send
                if (mirrorCopy != null && msg instanceof HttpContent content) {
                    mirrorCopy.content(content);
                }
                boolean last = msg instanceof LastHttpContent;
                ReferenceCountUtil.release(msg);
                if (last) {
                    state = State.IDLE;
                }
                requestRead();
            }
            case INTERCEPTING -> {
                // nothing is read while the interceptor runs: a message now would be lost to the request
                ReferenceCountUtil.release(msg);
                state = State.CLOSED;
                ctx.close();
            }
            case CLOSED -> ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // of the stages behind this one only the Camel side's aggregator has a use for it
        if (state == State.CAMEL) {
            ctx.fireChannelReadComplete();
        }
    }

    /**
     * The protocol an HTTP/1.1 client asks to switch to (Upgrade with Connection: upgrade), or {@code null}.
     * Never h2c: an HTTP/2 connection tunnelled to a pod would carry requests for any path past the
     * routing table (h2c smuggling); such a request is served as plain HTTP/1.1.
     */
    private static String upgradeAsked(HttpRequest request) {
        String upgrade = request.headers().get(HttpHeaderNames.UPGRADE);
        if (upgrade == null || !request.protocolVersion().equals(HttpVersion.HTTP_1_1)
                || !request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                || upgrade.toLowerCase(Locale.ROOT).contains("h2c")) {
            return null;
        }
        return upgrade;
    }

    /** A copy whose request ended before its body was whole is not sent. */
    private void abandonMirrorCopy() {
        if (mirrorCopy != null) {
            mirrorCopy.abandon("the request ended before its body was read");
            mirrorCopy = null;
        }
    }

    /** What the last request decided for its response: nothing of it goes with the next one's. */
    private void forgetLastRequest() {
        upgradePolicy = null;
        upgradeAdmission = null;
        errorPage = null;
        fetchingErrorPage = false;
        sticky = null;
        cors = null;
        hsts = null;
        authCookies = null;
        mirrorHeaders = null;
        facts = null;
        rewrittenTarget = null;
        globalResponseValues = null;
        policy = RoutePolicy.NONE;
    }

    private void onRequest(HttpRequest request) {
        camelRoute.set(null);
        // the table the request is routed by; even one refused before that gets the operator's headers of it
        RoutingTable table = gateway.table().get();
        routedBy = table;
        globalHeaders = table.globalHeaders();
        if (headerTimeout != null) {
            headerTimeout.headReceived();
        }
        record = recorder == null ? null : recorder.current();
        releaseLimit();
        abandonMirrorCopy();
        forgetLastRequest();
        long contentLength = contentLength(request);
        // RFC 9112 §6.1: framed by Transfer-Encoding, but the connection is closed after the response
        boolean conflictingFraming = Boolean.TRUE.equals(framingConflict.getAndSet(null));
        // a body behind Expect: 100-continue may never come once Caravan answers without a 100: not waited for
        requestBodyIsSmall = !HttpUtil.isTransferEncodingChunked(request) && contentLength <= MAX_DISCARDED_BODY
                && !(contentLength > 0 && HttpUtil.is100ContinueExpected(request));
        keepAlive = HttpUtil.isKeepAlive(request) && !conflictingFraming;
        headRequest = HttpMethod.HEAD.equals(request.method());
        HttpResponseStatus framing = unsupportedFraming(request);
        if (framing != null) {
            // RFC 9112 §6: a body whose length cannot be told, or a version we do not speak: answer, then close
            respondAndClose(framing);
            ReferenceCountUtil.release(request);
            return;
        }
        if (request.decoderResult().isFailure() || contentLength < 0) {
            // a Content-Length that is no number (a folded or forged one) frames nothing: 400, then close
            respondAndClose(contentLength < 0 ? HttpResponseStatus.BAD_REQUEST
                    : statusForDecoderFailure(request.decoderResult().cause()));
            ReferenceCountUtil.release(request);
            return;
        }
        if (plainHttpOnTlsPort) {
            respondAndClose(HttpResponseStatus.BAD_REQUEST, "the plain HTTP request was sent to the HTTPS port");
            return;
        }
        if (!gateway.consumers().accepting()) {
            respondAndClose(HttpResponseStatus.SERVICE_UNAVAILABLE);
            return;
        }
        if (HttpMethod.CONNECT.equals(request.method()) || HttpMethod.TRACE.equals(request.method())) {
            // an ingress is no forward proxy, and a tunnel would leave the pooled connection unusable; TRACE
            // would echo what the client sent, as nginx refuses it
            respondAndClose(HttpResponseStatus.METHOD_NOT_ALLOWED);
            return;
        }
        if (!RequestTarget.servable(request) || !oneHost(request) || !oneAuthorization(request)) {
            respondAndClose(HttpResponseStatus.BAD_REQUEST);
            return;
        }
        if (!gateway.underscoresInHeaders()) {
            UnderscoredHeaders.drop(request.headers());
        }
        if (!gateway.table().serving()) {
            // the Ingresses are not all read yet: a 404 now could be wrong
            finishLocally(HttpResponseStatus.SERVICE_UNAVAILABLE, false);
            return;
        }
        String hostHeader = request.headers().get(HttpHeaderNames.HOST);
        RequestTarget target = RequestTarget.of(request);
        host = target.host() == null ? null : RoutingTable.normalizeHost(target.host());
        // in absolute form the target names the host, and nginx checks the Host header as well
        boolean validHosts = target.valid()
                && (hostHeader == target.authority() || RequestTarget.validAuthority(hostHeader));
        // RFC 9112 §3.2: an HTTP/1.1 request without Host is 400, even when its target names the host
        boolean http11 = request.protocolVersion().equals(HttpVersion.HTTP_1_1);
        if (http11 && (target.host() == null || hostHeader == null) || !validHosts) {
            respondAndClose(HttpResponseStatus.BAD_REQUEST);
            return;
        }
        see(request);
        String path = RequestPath.normalize(target.path());
        if (path == null) {
            respondAndClose(HttpResponseStatus.BAD_REQUEST);
            return;
        }
        if (gateway.blocks() != null && gateway.blocks().blocks(view.client(), request.headers())) {
            // ingress-nginx's block-cidrs, block-user-agents and block-referers, before anything is routed
            finishLocally(HttpResponseStatus.FORBIDDEN, false);
            return;
        }
        RouteMatch match = table.resolve(target.host(), path);
        if (match.redirectTo() != null) {
            finishLocally(RoutePolicies.wwwRedirect(gateway.statuses().redirect(), match.redirectTo(), view.scheme(),
                    target, request.uri(),
                    keepAlive && requestBodyIsSmall, headRequest), false);
            return;
        }
        // a rule without a host serves whatever Host a client sends
        hostChosenByClient = match.host() != null && match.host() == table.anyHost();
        boolean https = gateway.scheme().equals("https");
        if (match.hostHasTls() && https) {
            hsts = gateway.hsts();
        }
        PathRule rule = match.rule();
        if (globalHeaders.responseReadsRequest()) {
            // read now, as the client sent the request: its headers change on the way to the pod
            globalResponseValues = valuesOf(globalHeaders.response(), facts(request, path, target, rule));
        }
        if (record != null) {
            // before any answer, so that the access log names the Ingress of whatever is answered
            record.rule = rule;
            record.path = path;
            if (host != null && match.host() != null && !hostChosenByClient) {
                // nginx's $server_name is the server's name as written: a wildcard's, not the client's host under it
                // (which would also make the metrics' host label the client's to choose)
                record.serverName = table.wildcardHosts().isEmpty() || table.exactHosts().get(host) == match.host()
                        || host.indexOf('.') < 0 ? host : "*" + host.substring(host.indexOf('.'));
            }
            // as nginx's $host: the target's host (the request line's in absolute form), lower case, no port
            if (host != null) {
                record.host = host;
            }
        }
        // as nginx: over TLS the client's certificate is checked before anything else, under the host's settings
        // (logged whatever a path's enable-access-log says); plain HTTP is first redirected to HTTPS where the
        // host's Ingresses say so
        if (https && refusedCertificate(match, target, request, true)) {
            return;
        }
        if (record != null) {
            record.accessLog = rule == null || rule.policy().accessLog();
        }
        FullHttpResponse appRoot = RoutePolicies.appRoot(match.appRoot(), gateway.scheme(), target, path,
                keepAlive && requestBodyIsSmall, headRequest);
        if (appRoot != null) {
            finishLocally(appRoot, false);
            return;
        }
        if (rule != null && rule.redirectsToSlash(path)) {
            // nginx's own 301 of /api to its location /api/, made as the location is found: before anything of it
            String uri = request.uri();
            int query = uri.indexOf('?');
            finishLocally(LocalResponses.redirect(HttpResponseStatus.MOVED_PERMANENTLY,
                    absolute(rule.path() + (query < 0 ? "" : uri.substring(query)), target),
                    keepAlive && requestBodyIsSmall, headRequest), false);
            return;
        }
        if (!match.found() && rule == null) {
            notFound(request);
            return;
        }
        policy = rule == null ? RoutePolicy.NONE : rule.policy();
        if (policy.denied()) {
            // nginx's "location denied": the Ingress's access control could not be applied as last edited
            finishLocally(HttpResponseStatus.SERVICE_UNAVAILABLE, false);
            return;
        }
        // in nginx's phase order: rewrite (redirects, CORS preflight), preaccess (limits), access (allow/deny)
        FullHttpResponse redirect = policy.redirect() == null ? null : LocalResponses.redirect(
                HttpResponseStatus.valueOf(policy.redirect().status()),
                absolute(policy.redirect().locationOf(facts(request, path, target, rule)), target),
                keepAlive && requestBodyIsSmall, headRequest);
        if (redirect == null && view.scheme().equals("http")) {
            redirect = RoutePolicies.sslRedirect(gateway.statuses().redirect(), policy.sslRedirect(),
                    match.hostHasTls(), view.host() != null
                    ? RoutingTable.hostOf(view.host()) : target.host(), rule == null ? null : rule.path(), request.uri(),
                    gateway.httpsRedirectPort(), keepAlive && requestBodyIsSmall, headRequest);
        }
        if (redirect != null) {
            finishLocally(redirect, false);
            return;
        }
        if (!https && refusedCertificate(match, target, request, false)) {
            return;
        }
        if (rule != null && rule.rewrites() && rule.regex() != null) {
            rewrite(request, rule, path, target);
        }
        cors = policy.cors() == null ? null : policy.cors().allowedOrigin(request.headers().get(HttpHeaderNames.ORIGIN));
        if (cors != null && HttpMethod.OPTIONS.equals(request.method())) {
            // its CORS headers are added with Caravan's own (see addOwnHeaders)
            finishLocally(LocalResponses.noContent(keepAlive && requestBodyIsSmall), false);
            return;
        }
        InetSocketAddress client = view.client();
        if (policy.rateLimit() != null && policy.rateLimit().limitsRequests()) {
            ClientLimiter candidate = gateway.rateLimiters().forIngress(rule.ingress(), policy.rateLimit());
            ClientLimiter.Refusal refusal = candidate.acquire(client, System.nanoTime());
            if (refusal != ClientLimiter.Refusal.NONE) {
                // ingress-nginx's limit-conn-status-code and limit-req-status-code
                finishLocally(HttpResponseStatus.valueOf(refusal == ClientLimiter.Refusal.CONNECTIONS
                        ? gateway.statuses().limitConnections() : gateway.statuses().limitRequests()), false);
                return;
            }
            limiter = candidate;
            limitedClient = client;
        }
        // under satisfy: any, authentication may yet admit a client the source ranges refuse (see checks)
        if (!policy.admits(client) && !(policy.satisfyAny() && authenticates(policy))) {
            finishLocally(HttpResponseStatus.FORBIDDEN, false);
            return;
        }
        CallOptions options = gateway.options(policy);
        if (policy.httpsUpstream() && options.tls() == null) {
            // never fall back to an unauthenticated connection when authentication was asked for
            RequestWarnings.warn("502 for {}: proxy-ssl-secret {} of Ingress {} cannot be used", target.host(),
                    policy.proxySsl().secret(), rule == null ? "?" : rule.ingress());
            finishLocally(HttpResponseStatus.BAD_GATEWAY, false);
            return;
        }
        if (options.maxBodySize() > 0 && contentLength > options.maxBodySize()) {
            respondAndClose(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
            return;
        }
        mirrorHeaders = policy.mirror() == null ? null : RequestMirrors.headersOf(request.headers());
        List<RequestCheck> checks = checks(policy, match, target, path, request, client);
        if (!checks.isEmpty()) {
            check(checks, 0, request, match, target, path, options, client);
            return;
        }
        proceed(request, match, target, path, options, client);
    }

    /** Client certificate authentication of the request's host ({@code auth-tls-*}): whether it answered. */
    private boolean refusedCertificate(RouteMatch match, RequestTarget target, HttpRequest request, boolean https) {
        RoutePolicy.ClientCertificates certificates = match.host() == null ? null : match.host().clientCertificates();
        if (certificates == null) {
            return false;
        }
        // an HTTP/2 stream's connection is its parent; an HTTP/1 connection's parent is the listening socket
        Channel connection = ctx.channel() instanceof Http2StreamChannel ? ctx.channel().parent() : ctx.channel();
        FullHttpResponse answer = ClientCertificateCheck.check(certificates, connection, https, target.host(), request.headers(), keepAlive && requestBodyIsSmall,
                headRequest);
        if (answer == null) {
            return false;
        }
        finishLocally(answer, false);
        return true;
    }

    /**
     * What a request of this policy waits for, in nginx's access-phase order: basic authentication, auth-url,
     * then the interceptor. Under {@code satisfy: any} an allow-list that admits the client spares it
     * authentication, and either authentication admitting it is enough. The headers auth-url answers with
     * ({@code auth-response-headers}) are never the client's to send: when auth-url does not run, they go.
     */
    private List<RequestCheck> checks(RoutePolicy policy, RouteMatch match, RequestTarget target, String path,
            HttpRequest request, InetSocketAddress client) {
        HttpHeaders headers = request.headers();
        if (!authenticates(policy) && policy.requestRoute() == null) {
            return List.of();
        }
        List<RequestCheck> checks = new ArrayList<>(3);
        if (policy.userAuth() != null) {
            checks.add(gateway.userAuthentication().check(policy.userAuth()));
        }
        if (policy.externalAuth() != null) {
            checks.add(gateway.externalAuth().check(policy.externalAuth(), ExternalAuth.asked(policy.externalAuth(),
                    match.rule(), facts(request, path, target, match.rule()))));
        }
        if (policy.satisfyAny() && !checks.isEmpty()) {
            List<String> answered = policy.externalAuth() == null ? List.of() : policy.externalAuth().responseHeaders();
            RequestCheck any = null;
            if (policy.allowListAdmits(client)) {
                answered.forEach(headers::remove);
            } else {
                any = new AnyOfChecks(checks, policy.admits(client) ? null : SOURCE_REFUSED, answered);
            }
            checks.clear();
            if (any != null) {
                checks.add(any);
            }
        }
        if (policy.requestRoute() != null) {
            checks.add(gateway.interceptors().check(policy.requestRoute()));
        }
        return checks;
    }

    private static boolean authenticates(RoutePolicy policy) {
        return policy.userAuth() != null || policy.externalAuth() != null;
    }

    /**
     * Runs check {@code index} on the request's head, off the event loop; meanwhile nothing more is read,
     * so the body waits in the socket. The verdict comes back to this event loop; a check that has not
     * decided within proxy-read-timeout gets the request 504.
     */
    private void check(List<RequestCheck> checks, int index, HttpRequest request, RouteMatch match,
            RequestTarget target, String path, CallOptions options, InetSocketAddress client) {
        state = State.INTERCEPTING;
        Object token = new Object();
        interception = token;
        Channel channel = ctx.channel();
        ScheduledFuture<?> timeout = channel.eventLoop().schedule(() -> onChecked(token,
                new Verdict.Refused(HttpResponseStatus.GATEWAY_TIMEOUT, "no verdict on the request within "
                        + options.readTimeout().toSeconds() + " s"), request, null),
                options.readTimeout().toMillis(), TimeUnit.MILLISECONDS);
        Runnable next = index + 1 < checks.size()
                ? () -> check(checks, index + 1, request, match, target, path, options, client)
                : () -> proceed(request, match, target, path, options, client);
        RequestHead head = RequestHead.of(request, target, path, view.scheme(), view.clientIp(),
                match.rule().ingress(), options.readTimeout(), hostChosenByClient, channel::isActive);
        checks.get(index).check(head, verdict -> channel.eventLoop().execute(() -> {
            timeout.cancel(false);
            onChecked(token, verdict, request, next);
        }));
    }

    private void onChecked(Object token, Verdict verdict, HttpRequest request, Runnable next) {
        if (state != State.INTERCEPTING || interception != token) {
            return;
        }
        interception = null;
        try {
            apply(verdict, request, next);
        } catch (RuntimeException e) {
            // never left waiting: a verdict that cannot be applied is the server's failure
            RequestWarnings.warn("500 for a request from {}: its verdict could not be applied: {}",
                    ClientAddress.of(ctx.channel()), e.toString());
            if (state == State.INTERCEPTING) {
                finishLocally(HttpResponseStatus.INTERNAL_SERVER_ERROR, false);
            } else {
                state = State.CLOSED;
                ctx.close();
            }
        }
    }

    private void apply(Verdict verdict, HttpRequest request, Runnable next) {
        if (verdict instanceof Verdict.Proceed changes) {
            HttpHeaders headers = request.headers();
            changes.removed().forEach(headers::remove);
            changes.set().forEach(headers::set);
            if (!changes.cookies().isEmpty()) {
                authCookies = new AuthCookies(changes.cookies(), changes.cookiesAlways());
            }
            if (!changes.set().isEmpty() && headers.contains(HttpHeaderNames.CONNECTION)) {
                // a header the check set is Caravan's, not the client's to have dropped as hop-by-hop
                keepListedExcept(headers, changes.set().keySet());
            }
            next.run();
        } else if (verdict instanceof Verdict.Answer answer) {
            finishLocally(checkAnswer(answer), false);
        } else if (verdict instanceof Verdict.Refused refused) {
            RequestWarnings.warn("{} for a request from {}: {}", refused.status().code(),
                    ClientAddress.of(ctx.channel()), refused.reason());
            finishLocally(refused.status(), false);
        }
    }

    /**
     * Whether response bytes wait for the client: beyond the write buffer's high mark, or any at all in an
     * HTTP/1 connection's buffer (an HTTP/2 stream has none of its own; its writability says it).
     */
    private boolean outputPending() {
        Channel channel = ctx.channel();
        ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
        if (buffer != null) {
            return !channel.isWritable() || buffer.totalPendingWriteBytes() > 0;
        }
        // an HTTP/2 stream has no buffer of its own: what it holds shows in how much more it may take
        return channel.bytesBeforeUnwritable() <= channel.config().getWriteBufferHighWaterMark();
    }

    /** Rewrites the Connection header without the tokens naming {@code names}. */
    private static void keepListedExcept(HttpHeaders headers, Set<String> names) {
        List<String> kept = new ArrayList<>();
        for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : value.split(",")) {
                String name = token.trim();
                if (!name.isEmpty() && names.stream().noneMatch(name::equalsIgnoreCase)) {
                    kept.add(name);
                }
            }
        }
        if (kept.isEmpty()) {
            headers.remove(HttpHeaderNames.CONNECTION);
        } else {
            headers.set(HttpHeaderNames.CONNECTION, String.join(", ", kept));
        }
    }

    private FullHttpResponse checkAnswer(Verdict.Answer answer) {
        boolean reuse = keepAlive && requestBodyIsSmall && !draining;
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(answer.status()),
                headRequest ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(answer.body()));
        response.headers().set(answer.headers());
        HttpUtil.setContentLength(response, answer.body().length);
        if (!reuse) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }

    /**
     * The main or the canary backend, as ingress-nginx's balancer picks: with sticky cookie affinity, a request
     * pinned to either stays with it; otherwise the canary's header, cookie and weight decide.
     */
    private static Backend chooseBackend(PathRule rule, RouteMatch match, HttpHeaders headers) {
        if (rule == null || rule.canary() == null || !rule.canary().backend().hasEndpoints()) {
            return match.backend();
        }
        RoutePolicy.Affinity affinity = rule.policy().affinity();
        if (affinity != null && affinity.canarySticky()) {
            if (StickySession.pins(affinity, headers, match.backend())) {
                return match.backend();
            }
            if (StickySession.pins(affinity, headers, rule.canary().backend())) {
                return rule.canary().backend();
            }
        }
        return rule.canary().chooses(headers) ? rule.canary().backend() : match.backend();
    }

    /**
     * A redirect's location as nginx sends it (absolute_redirect on, server_name_in_redirect and port_in_redirect off):
     * a path after the request's scheme and host, so that no value a request fills in makes it point elsewhere
     * ({@code //evil.example}).
     */
    private String absolute(String location, RequestTarget target) {
        return location.startsWith("/") && target.host() != null
                ? view.scheme() + "://" + RoutingTable.normalizeHost(target.host()) + location : location;
    }

    /** The built-in default backend: Caravan's Camel route answering 404. */
    private void notFound(HttpRequest request) {
        if (!camelCanRead(request)) {
            // Camel's HTTP binding would fail on it and leave the connection hanging: refuse it here
            respondAndClose(HttpResponseStatus.BAD_REQUEST);
            return;
        }
        toCamel(request, true);
    }

    /** The rest of a request's way once its interceptor, if any, let it go on: to a Camel route or to pods. */
    private void proceed(HttpRequest request, RouteMatch match, RequestTarget target, String path, CallOptions options,
            InetSocketAddress client) {
        PathRule rule = match.rule();
        String upgrade = ctx.channel() instanceof Http2StreamChannel ? null : upgradeAsked(request);
        // whom a WebSocket is open for, read before the credentials go: removing that user closes it
        String user = upgrade == null || policy.userAuth() == null ? null
                : Users.userOf(request.headers().get(HttpHeaderNames.AUTHORIZATION));
        if (policy.userAuth() != null && (policy.externalAuth() == null || policy.externalAuth().responseHeaders()
                .stream().noneMatch(HttpHeaderNames.AUTHORIZATION::contentEqualsIgnoreCase))) {
            // as ingress-nginx, which blanks it for basic and digest authentication: the user's credentials are not the pod's
            request.headers().remove(HttpHeaderNames.AUTHORIZATION);
            if (mirrorHeaders != null) {
                mirrorHeaders.remove(HttpHeaderNames.AUTHORIZATION);
            }
        }
        Backend backend = chooseBackend(rule, match, request.headers());
        if (backend == null) {
            // the built-in 404, where the host's default location let the request in
            notFound(request);
            return;
        }
        if (record != null) {
            record.canary = rule != null && rule.canary() != null && backend == rule.canary().backend();
        }
        if (backend.camelRoute() != null) {
            // the one place a request becomes a Camel Exchange: the listener route hands it to the user's route
            // on the channel, where no client can write: headers and query parameters are the client's
            camelRoute.set(backend.camelRoute());
            toCamel(request, false, backend.camelRoute(), options.readTimeout());
            return;
        }
        if (!backend.hasEndpoints() || gateway.upstream().drains().allDrained(backend)) {
            if (options.interceptedStatuses().contains(503) && bodiless(request)) {
                // as nginx's error_page, which takes its own 503 as a pod's: the custom-http-errors page
                state = State.PROXYING;
                errorPage = errorPage(rule, backend, request, request.uri(), target, request.protocolVersion(), options);
                intercepted(503);
                return;
            }
            finishLocally(HttpResponseStatus.SERVICE_UNAVAILABLE, false);
            return;
        }
        if (mirrorHeaders != null) {
            mirrorCopy = gateway.mirrors().start(policy.mirror(), request.method().name(), mirrorHeaders,
                    new UrlTemplate.Request(gateway.scheme(), target.host() == null ? "" : target.host(),
                            request.uri(), path), options.maxBodySize());
            mirrorHeaders = null;
        }
        HttpVersion clientVersion = request.protocolVersion();
        InetSocketAddress preferred = null;
        if (policy.hashBy() != null) {
            // before the headers change: the key reads the request as the client sent it
            String key = policy.hashBy().keyOf(facts(request, path, target, rule));
            preferred = policy.hashBy().subsetSize() > 0 ? backend.affinity().inSubset(key, policy.hashBy().subsetSize())
                    : backend.affinity().onRing(key);
        }
        Map<String, RequestKey> globalRequest = globalHeaders.request();
        // proxy-set-headers' variables, as nginx's, read the request as the client sent it
        String[] globalValues = globalRequest.isEmpty() ? null : valuesOf(globalRequest, facts(request, path, target, rule));
        // and so do upstream-vhost's ($host, $service_name, ...)
        RequestKey vhost = rule == null ? null : rule.policy().upstreamVhost();
        String upstreamHost = vhost == null ? null : vhost.literal() != null ? vhost.literal()
                : PercentEncoding.headerValue(vhost.keyOf(facts(request, path, target, rule)));
        ForwardedHeaders.apply(request, view.host() != null ? view.host()
                : target.authority() == null ? "" : target.authority(), view, gateway.realIp().forwardedForHeader(),
                facts == null ? null : facts.requestIdIfMade());
        if (globalValues != null) {
            int i = 0;
            for (String name : globalRequest.keySet()) {
                String value = globalValues[i++];
                if (value.isEmpty()) {
                    request.headers().remove(name);
                } else {
                    request.headers().set(name, value);
                }
            }
        }
        if (upgrade != null) {
            // as ingress-nginx: the client's Upgrade goes to the pod, with Connection: upgrade
            request.headers().set(HttpHeaderNames.UPGRADE, upgrade);
            request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            upgradePolicy = policy;
            upgradeAdmission = new UpgradeAdmission(routedBy, target.host(), path, client, backend.name(), policy,
                    match.host() == null ? null : match.host().clientCertificates(),
                    policy.satisfyAny() && policy.allowListAdmits(client), user);
        }
        String originalUri = request.uri();
        if (record != null) {
            boolean clientsId = record.requestId != null;
            record.requestId = request.headers().get("X-Request-ID");
            record.madeRequestId = clientsId ? facts == null ? null : facts.requestIdIfMade() : record.requestId;
        }
        if (rule != null) {
            RoutePolicies.applyUpstream(rule, request, rewrittenTarget, upstreamHost);
        }
        sticky = policy.affinity() == null || rule == null ? null
                : new StickySession(policy.affinity(), backend, request.headers(),
                        rule.regex() != null ? "/" : rule.matchPath(), gateway.scheme().equals("https"));
        state = State.PROXYING;
        if (sticky != null) {
            preferred = sticky.preferred();
        }
        errorPage = options.interceptedStatuses().isEmpty() ? null
                : errorPage(rule, backend, request, originalUri, target, clientVersion, options);
        call = new ProxyCall(gateway.upstream(), options, ctx, request, clientVersion, keepAlive, backend, preferred,
                this);
        if (endHeld) {
            // goes with the head in one flush, and the call asks the client for nothing
            endHeld = false;
            if (mirrorCopy != null) {
                mirrorCopy.content(LastHttpContent.EMPTY_LAST_CONTENT);
            }
            call.clientContent(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        call.start();
    }

    /**
     * rewrite-target, as nginx's {@code rewrite ... break} at the end of the location's rewrite phase: after
     * permanent-redirect's {@code return} and the redirects to HTTPS, before limits, access checks and the proxy. From
     * here on {@code $uri} is the rewritten path, in proxy-set-headers, upstream-hash-by, auth-url, add-headers and the
     * access log, while {@code $request_uri} stays the client's.
     */
    private void rewrite(HttpRequest request, PathRule rule, String path, RequestTarget target) {
        rewrittenTarget = RoutePolicies.rewrite(rule, path, request.uri());
        int query = rewrittenTarget.indexOf('?');
        String rewritten = query < 0 ? rewrittenTarget : rewrittenTarget.substring(0, query);
        String normalized = RequestPath.normalize(rewritten);
        String uri = normalized != null ? normalized : rewritten;
        facts(request, path, target, rule).rewritten(uri);
        if (record != null) {
            record.rewrittenPath = uri;
        }
        if (globalHeaders.responseReadsRequest()) {
            // add-headers are evaluated in nginx's header filter, once the rewrite has run
            globalResponseValues = valuesOf(globalHeaders.response(), facts);
        }
    }

    /** The values of a ConfigMap of headers for the current request, in its order. */
    private static String[] valuesOf(Map<String, RequestKey> headers, RequestFacts facts) {
        String[] values = new String[headers.size()];
        int i = 0;
        for (RequestKey value : headers.values()) {
            // what the client sent ($http_NAME, $remote_user) may hold what no header value may
            values[i++] = PercentEncoding.headerValue(value.keyOf(facts));
        }
        return values;
    }

    /** The current request's {@link RequestFacts}, made when a value first reads them. */
    private RequestFacts facts(HttpRequest request, String path, RequestTarget target, PathRule rule) {
        if (facts == null) {
            // an HTTP/2 stream's local address is its connection's
            InetSocketAddress server = ctx.channel().localAddress() instanceof InetSocketAddress local ? local : null;
            facts = new RequestFacts(request, ctx.channel() instanceof Http2StreamChannel ? "HTTP/2.0"
                    : request.protocolVersion().text(), path, target.host(), view.client(), gateway.scheme(), server,
                    rule == null ? null : rule.ingress(), rule == null ? null : rule.backend());
        }
        return facts;
    }

    /** Who and what the request is for its client, and so for the access log. */
    private void see(HttpRequest request) {
        if (connectionView == null) {
            connectionView = ClientView.ofConnection(ctx.channel(), gateway.scheme(),
                    gateway.publicPort());
        }
        view = gateway.realIp().readsRequests()
                ? ClientView.ofRequest(connectionView, request.headers(), gateway.realIp()) : connectionView;
        if (record != null && view != connectionView) {
            record.client = view.client();
            record.clientIp = view.clientIp();
        }
    }

    /**
     * Writes a local response; once it is out, either drops the rest of the request (if small) so the
     * connection serves its next request, or closes the connection.
     */
    private void finishLocally(HttpResponseStatus status, boolean requestComplete) {
        boolean reuse = keepAlive && (requestComplete || requestBodyIsSmall) && !draining;
        finishLocally(LocalResponses.of(status, reuse, headRequest), requestComplete);
    }

    /** As above, with a response made by the caller (its Connection header must agree with reuse). */
    private void finishLocally(FullHttpResponse response, boolean requestComplete) {
        releaseLimit();
        addOwnHeaders(response);
        boolean reuse = keepAlive && (requestComplete || requestBodyIsSmall) && !draining;
        state = reuse && !requestComplete ? State.DISCARDING : reuse ? State.IDLE : State.CLOSED;
        if (!reuse && !requestComplete) {
            // the client may still be sending its body (a chunked one that outgrew proxy-body-size): closed at once,
            // the kernel would answer its bytes with a reset that can destroy the answer before it is read
            ctx.writeAndFlush(response).addListener(LingeringClose.AFTER);
            return;
        }
        ctx.writeAndFlush(response).addListener(written -> {
            if (!reuse || !written.isSuccess()) {
                ctx.close();
            } else if (state != State.CLOSED) {
                requestRead();
            }
        });
    }

    private void respondAndClose(HttpResponseStatus status) {
        respondAndClose(status, null);
    }

    private void respondAndClose(HttpResponseStatus status, String detail) {
        releaseLimit();
        state = State.CLOSED;
        FullHttpResponse response = LocalResponses.of(status, detail, false, headRequest);
        addOwnHeaders(response);
        ctx.writeAndFlush(response).addListener(LingeringClose.AFTER);
    }

    /**
     * The headers Caravan adds to a response of the request's own, whoever made it: ingress-nginx's HSTS (on
     * HTTPS, for hosts an Ingress gives a certificate), and, but on custom-http-errors pages, the auth service's
     * cookies and the route's custom-headers.
     */
    private void addOwnHeaders(HttpResponse response) {
        if (record != null && record.requestId == null && facts != null && facts.requestIdIfMade() != null) {
            // an answer of Caravan's own whose id a header value read: the log has that id
            record.requestId = facts.requestIdIfMade();
            record.madeRequestId = record.requestId;
        }
        if (hsts != null) {
            response.headers().set("Strict-Transport-Security", hsts);
        }
        // add-headers first, as nginx's http-level more_set_headers, which a location's own override
        if (!globalHeaders.response().isEmpty()) {
            addGlobalHeaders(response);
        }
        if (fetchingErrorPage) {
            return;
        }
        if (authCookies != null) {
            authCookies.addTo(response);
        }
        if (cors != null) {
            RoutePolicies.addCors(policy.cors(), cors, response);
        }
        // last, as nginx's more_set_headers of custom-headers comes after the CORS headers
        RoutePolicy.CustomHeaders custom = policy.customHeaders();
        if (custom != null && custom.headers() != null) {
            // nginx's more_set_headers: the pod's header of the name gives way
            custom.headers().forEach(response.headers()::set);
        }
    }

    /**
     * add-headers: values with variables as read for the request, or, for an answer made before it was routed (a
     * 400, a block, a www redirect), the headers of text alone. A value that comes out empty removes the header, as
     * more_set_headers.
     */
    private void addGlobalHeaders(HttpResponse response) {
        int i = 0;
        for (Map.Entry<String, RequestKey> header : globalHeaders.response().entrySet()) {
            String value = globalResponseValues != null ? globalResponseValues[i] : header.getValue().literal();
            i++;
            if (value != null && !value.isEmpty()) {
                response.headers().set(header.getKey(), value);
            } else if (value != null) {
                // more_set_headers with an empty value: the pod's header goes
                response.headers().remove(header.getKey());
            }
        }
    }

    /** The client's body broke off mid-way (a malformed chunk): nothing of it is passed on as complete. */
    private void onBrokenBody() {
        if (state == State.PROXYING && call != null) {
            boolean started = call.responseStarted();
            call.clientClosed();
            call = null;
            if (started) {
                state = State.CLOSED;
                ctx.close();
                return;
            }
        } else if (state == State.CAMEL || state == State.CLOSED) {
            state = State.CLOSED;
            ctx.close();
            return;
        }
        respondAndClose(HttpResponseStatus.BAD_REQUEST);
    }

    /**
     * 505 for an HTTP version other than 1.x on an HTTP/1 connection; for a Transfer-Encoding other than
     * plain chunked, 400 when chunked is not the last coding (the body's end cannot be found) and 501
     * otherwise (codings Caravan does not decode), as nginx answers.
     */
    private HttpResponseStatus unsupportedFraming(HttpRequest request) {
        if (request.protocolVersion().majorVersion() != 1 && !(ctx.channel() instanceof Http2StreamChannel)) {
            return HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED;
        }
        if (!request.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            return null;
        }
        List<String> lines = request.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (request.protocolVersion().minorVersion() == 0 && !(ctx.channel() instanceof Http2StreamChannel)) {
            // RFC 9112 6.1: HTTP/1.0 has no transfer codings, so its framing is faulty; 400 as nginx
            return HttpResponseStatus.BAD_REQUEST;
        }
        // the codings of every Transfer-Encoding line, in order: chunked must be the last of them all
        String codings = String.join(",", lines);
        if (codings.trim().equalsIgnoreCase("chunked")) {
            return null;
        }
        String[] tokens = codings.split(",");
        return tokens[tokens.length - 1].trim().equalsIgnoreCase("chunked") ? HttpResponseStatus.NOT_IMPLEMENTED
                : HttpResponseStatus.BAD_REQUEST;
    }

    /**
     * RFC 9112 3.2: two Host lines are a bad request, whichever one a router or a pod would pick. HTTP/2 gives
     * {@code :authority} as a Host, and a client's {@code host} besides it is allowed if it is the same
     * (RFC 9113 8.3.1): then one is kept.
     */
    private boolean oneHost(HttpRequest request) {
        Iterator<String> hosts = request.headers().valueStringIterator(HttpHeaderNames.HOST);
        if (!hosts.hasNext()) {
            return true;
        }
        String first = hosts.next();
        if (!hosts.hasNext()) {
            return true;
        }
        if (!(ctx.channel() instanceof Http2StreamChannel)) {
            return false;
        }
        while (hosts.hasNext()) {
            if (!first.equalsIgnoreCase(hosts.next())) {
                return false;
            }
        }
        request.headers().set(HttpHeaderNames.HOST, first);
        return true;
    }

    /**
     * nginx refuses two Authorization lines (400): a router, an auth service and a pod could each read another
     * one, and auth-cache-key could key the answer by one while the auth service decides by the other.
     */
    private static boolean oneAuthorization(HttpRequest request) {
        Iterator<String> lines = request.headers().valueStringIterator(HttpHeaderNames.AUTHORIZATION);
        if (lines.hasNext()) {
            lines.next();
            return !lines.hasNext();
        }
        return true;
    }

    /**
     * Hands the request to the Camel side. Camel's HTTP consumer refuses a request without Host, which HTTP/1.0 allows
     * (load balancers' health checks send them): for what no rule serves, the listener's address stands in, as nginx's
     * default server answers; a user's route is not given a Host the client did not send. Its target is made one
     * {@link java.net.URI} takes, which camel-netty-http parses it as ({@code "}, {@code {}, a stray {@code %} escaped):
     * else it closed the connection without an answer.
     */
    private void toCamel(HttpRequest request, boolean standInHost) {
        toCamel(request, standInHost, null, null);
    }

    /** @param route the CamelRoute backend it goes to, timed by {@code timeout} from the request's end; or {@code null} */
    private void toCamel(HttpRequest request, boolean standInHost, String route, Duration timeout) {
        request.setUri(PercentEncoding.url(request.uri()));
        if (standInHost && !request.headers().contains(HttpHeaderNames.HOST)) {
            Channel connection = ctx.channel() instanceof Http2StreamChannel ? ctx.channel().parent() : ctx.channel();
            if (connection.localAddress() instanceof InetSocketAddress local) {
                request.headers().set(HttpHeaderNames.HOST, NetUtil.toSocketAddressString(local));
            }
        }
        if (contentLength(request) > maxCamelBody) {
            respondAndClose(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
            return;
        }
        state = State.CAMEL;
        camelRequestComplete = false;
        camelBodyBytes = 0;
        camelRequests++;
        cancelCamelTimeout();
        camelRouteName = route;
        camelRouteTimeout = timeout;
        ctx.fireChannelRead(request);
        requestRead();
    }

    /**
     * A CamelRoute backend gets the route's proxy-read-timeout to begin its answer, as a pod does: then the client gets
     * 504, and what the route answers later is dropped. The keep-alive timeout does not cut it meanwhile.
     */
    private void timeCamelRoute(String route, Duration timeout) {
        cancelCamelTimeout();
        long request = camelRequests;
        camelTimeout = ctx.executor().schedule(() -> {
            if (request != camelRequests) {
                return;
            }
            camelTimeout = null;
            if (state == State.CAMEL) {
                RequestWarnings.warn("504 for CamelRoute backend {}: no answer within {} s (proxy-read-timeout)",
                        route, timeout.toSeconds());
                camelAbandoned = true;
                respondAndClose(HttpResponseStatus.GATEWAY_TIMEOUT);
            }
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void cancelCamelTimeout() {
        if (camelTimeout != null) {
            camelTimeout.cancel(false);
            camelTimeout = null;
        }
    }

    /** Whether a request's query and Content-Type charset are ones Camel's HTTP binding can read. */
    private static boolean camelCanRead(HttpRequest request) {
        try {
            new QueryStringDecoder(request.uri()).parameters();
            String contentType = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
            if (contentType != null) {
                CharSequence charset = HttpUtil.getCharsetAsSequence(request);
                if (charset != null) {
                    Charset.forName(charset.toString());
                }
            }
            return true;
        } catch (IllegalArgumentException unreadable) {
            // bad percent-encoding, an illegal or unsupported charset name
            return false;
        }
    }

    /** The request's Content-Length, 0 without one, or -1 when it is not a number. */
    private static long contentLength(HttpRequest request) {
        try {
            return HttpUtil.getContentLength(request, 0L);
        } catch (NumberFormatException notANumber) {
            return -1;
        }
    }

    private static HttpResponseStatus statusForDecoderFailure(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return HttpResponseStatus.REQUEST_URI_TOO_LONG;
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
        }
        if (cause instanceof TooLongFrameException) {
            return HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
        }
        return HttpResponseStatus.BAD_REQUEST;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (camelAbandoned) {
            // the route's answer after its 504: the client has its answer, and the connection is closing
            ReferenceCountUtil.release(msg);
            promise.trySuccess();
            return;
        }
        if (headRequest && state == State.CAMEL && msg instanceof FullHttpResponse full && full.content().isReadable()
                && ctx.channel() instanceof Http2StreamChannel) {
            // HTTP/1.1's codec drops a HEAD response's body; HTTP/2's would send it, which is a protocol error
            msg = full.replace(Unpooled.EMPTY_BUFFER);
            full.release();
        }
        boolean interim = msg instanceof HttpResponse response
                && response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
        if (state == State.CAMEL && msg instanceof HttpResponse response && !interim) {
            cancelCamelTimeout();
            addOwnHeaders(response);
        }
        if (state == State.CAMEL && msg instanceof LastHttpContent && !interim) {
            // the default-backend route answered: the next request may be read once this is out
            boolean closing = draining || msg instanceof HttpResponse response && !HttpUtil.isKeepAlive(response);
            boolean complete = camelRequestComplete;
            state = closing || !complete ? State.CLOSED : State.IDLE;
            promise = promise.unvoid();
            promise.addListener(f -> {
                if (state == State.CLOSED) {
                    ctx.close();
                } else if (ctx.channel().isActive()) {
                    requestRead();
                }
            });
        }
        ctx.write(msg, promise);
    }

    @Override
    public void attempting(InetSocketAddress endpoint) {
        if (record != null) {
            record.attempting(endpoint, System.nanoTime());
        }
    }

    @Override
    public void upstreamConnected(long connectNanos) {
        if (record != null) {
            record.upstreamConnectNanos = connectNanos;
        }
    }

    /** The pod is done with the current request, however it ended. */
    private void upstreamEnded() {
        if (record != null && record.upstream != null && record.upstreamEndNanos == 0) {
            record.upstreamEndNanos = System.nanoTime();
        }
    }

    @Override
    public void tryTimedOut() {
        if (record != null) {
            record.failedWith = HttpResponseStatus.GATEWAY_TIMEOUT.code();
        }
    }

    @Override
    public void podAnswered(HttpResponse response, long headerNanos) {
        if (record != null) {
            record.upstreamStatus = response.status().code();
            record.upstreamHeaderNanos = headerNanos;
            if (record.upstreamHeaderNames != null) {
                record.upstreamHeaderValues = HeaderVariables.values(response.headers(), record.upstreamHeaderNames);
            }
        }
    }

    @Override
    public void responseHead(HttpResponse response, InetSocketAddress endpoint) {
        if (draining) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        hideServer(response);
        // the pod's headers only: Caravan's affinity cookie, added next, is not the pod's to rewrite
        if (policy != null && policy.responseRewrite() != null && !fetchingErrorPage) {
            // as ingress-nginx's absolute redirects: server_name_in_redirect and port_in_redirect off
            policy.responseRewrite().apply(response.headers(), host == null ? null : gateway.scheme() + "://" + host);
        }
        if (sticky != null) {
            sticky.onResponse(response, endpoint);
        }
        addOwnHeaders(response);
    }

    /** As ingress-nginx, unless told otherwise: what software a pod runs is no client's business. */
    private void hideServer(HttpResponse response) {
        if (!gateway.backendServerHeader()) {
            response.headers().remove(HttpHeaderNames.SERVER);
        }
    }

    /**
     * custom-http-errors: the pod's error answer is replaced by the default backend's page for it
     * (the default-backend annotation's Service, else the global one), fetched with ingress-nginx's
     * {@code X-Code} family of headers; with no default backend, a short local answer of that status.
     */
    @Override
    public void intercepted(int status) {
        ErrorPage page = errorPage;
        errorPage = null;
        fetchingErrorPage = true;
        Backend errors = page.rule() != null && page.rule().fallback() != null ? page.rule().fallback()
                : gateway.table().get().defaultBackend();
        if (errors == null || !errors.hasEndpoints()) {
            call = null;
            finishLocally(HttpResponseStatus.valueOf(status), true);
            return;
        }
        sticky = null;
        // for "/" with the query, as ingress-nginx's error location rewrites the path: the page's backend knows the
        // request from X-Original-URI
        int query = page.uri().indexOf('?');
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, headRequest ? HttpMethod.HEAD : HttpMethod.GET,
                query < 0 ? "/" : "/" + page.uri().substring(query));
        HttpHeaders headers = request.headers();
        headers.set(HttpHeaderNames.HOST, page.authority() == null ? "" : page.authority());
        headers.set("X-Code", status);
        headers.set("X-Format", page.accept() == null ? "text/html" : page.accept());
        headers.set("X-Original-URI", page.uri());
        if (page.rule() != null) {
            headers.set("X-Namespace", page.rule().ingress().namespace());
            headers.set("X-Ingress-Name", page.rule().ingress().name());
        }
        if (page.backend().servicePort() != null) {
            headers.set("X-Service-Name", page.backend().serviceName());
            headers.set("X-Service-Port", page.backend().servicePort());
        }
        if (page.requestId() != null) {
            headers.set("X-Request-ID", page.requestId());
        }
        CallOptions plain = new CallOptions(0, page.options().connectTimeout(), page.options().readTimeout(),
                page.options().sendTimeout(), null, NextUpstream.DEFAULT, Set.of(), false, UpstreamClient.MAX_RESPONSE_HEAD,
                null);
        call = ProxyCall.bodiless(gateway.upstream(), plain, ctx, request, page.version(), keepAlive, errors, this);
        call.start();
    }

    /**
     * The pod switched protocols: the 101 goes to the client, then both connections drop HTTP and are
     * joined byte for byte, idle-timed by proxy-read-timeout as nginx does. Done before this returns,
     * while the pod's connection is mid-read, so that no byte the pod sent after its 101 is lost.
     */
    @Override
    public void upgraded(HttpResponse response, Channel pod, InetSocketAddress endpoint) {
        call = null;
        // this handler leaves the pipeline: a copy still waiting for the body never gets it
        abandonMirrorCopy();
        // as nginx's limit_conn: an upgraded connection counts against limit-connections while it lasts
        ClientLimiter upgradedLimit = limiter;
        limiter = null;
        if (upgradedLimit != null) {
            InetSocketAddress client = limitedClient;
            ctx.channel().closeFuture().addListener(closed -> upgradedLimit.release(client));
        }
        state = State.CLOSED;
        if (record != null) {
            record.upstreamStatus = 101;
            record.upstreamEndNanos = System.nanoTime();
        }
        FullHttpResponse switching = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.SWITCHING_PROTOCOLS, Unpooled.EMPTY_BUFFER, response.headers(),
                EmptyHttpHeaders.INSTANCE);
        hideServer(switching);
        if (sticky != null) {
            sticky.onResponse(switching, endpoint);
        }
        addOwnHeaders(switching);
        Channel client = ctx.channel();
        // encoded as it is written, so the codec may go right after
        ctx.writeAndFlush(switching);
        ChannelPipeline pipeline = client.pipeline();
        for (String name : new String[] {"idle", "flow", "recorder", "aggregator", "camel"}) {
            if (pipeline.get(name) != null) {
                pipeline.remove(name);
            }
        }
        long idleMillis = gateway.options(upgradePolicy == null ? RoutePolicy.NONE : upgradePolicy).readTimeout()
                .toMillis();
        pipeline.addAfter("codec", "upgraded-idle", new IdleStateHandler(0, 0, idleMillis, TimeUnit.MILLISECONDS));
        pipeline.addAfter("upgraded-idle", "relay", ByteRelay.to(pod));
        pipeline.remove(this);
        ChannelPipeline podPipeline = pod.pipeline();
        // the pod connection's own handler goes, and its idle timer with it; its encoder goes before the client's
        // codec passes anything on
        podPipeline.replace("upstream", "relay", ByteRelay.to(client));
        podPipeline.remove("encoder");
        // what the client sent after its request, held undecoded by the codec until this answer, follows on to the
        // pod (early data), as nginx passes it
        pipeline.remove("codec");
        // and what the pod sent after its 101, once the client's encoder is gone
        podPipeline.remove("decoder");
        gateway.upgrades().add(client, pod, upgradeAdmission, endpoint, gateway.scheme().equals("https"));
        client.config().setAutoRead(true);
        pod.config().setAutoRead(true);
    }

    @Override
    public void requestBody() {
        requestRead();
    }

    /** Ends the request's count against its Ingress's connection limit, once. */
    private void releaseLimit() {
        if (limiter != null) {
            limiter.release(limitedClient);
            limiter = null;
        }
    }

    @Override
    public void completed(boolean keepOpen) {
        upstreamEnded();
        releaseLimit();
        call = null;
        keepOpen &= !draining;
        state = keepOpen ? State.IDLE : State.CLOSED;
        if (keepOpen) {
            requestRead();
        } else {
            ctx.close();
        }
    }

    @Override
    public void failed(HttpResponseStatus status, String reason, boolean requestComplete) {
        upstreamEnded();
        if (record != null && status != HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE) {
            // a body over the limit is the client's doing: the pod gave no status, nor failed
            record.failedWith = status.code();
        }
        releaseLimit();
        RequestWarnings.warn("{} for a request from {}: {}", status.code(), ClientAddress.of(ctx.channel()), reason);
        call = null;
        ErrorPage page = errorPage;
        if (page != null && requestComplete && !fetchingErrorPage
                && page.options().interceptedStatuses().contains(status.code())) {
            // as nginx's error_page, which takes its own 502 and 504 as a pod's: the custom-http-errors page, whose
            // fetch the upstream time takes in, as after a pod's listed status
            if (record != null) {
                record.upstreamEndNanos = 0;
            }
            intercepted(status.code());
            return;
        }
        finishLocally(status, requestComplete);
    }

    /** What a custom-http-errors page fetched for this request needs to know of it; {@code uri} as the client sent it. */
    private static ErrorPage errorPage(PathRule rule, Backend backend, HttpRequest request, String uri,
            RequestTarget target, HttpVersion version, CallOptions options) {
        return new ErrorPage(rule, backend, uri, target.authority(), request.headers().get(HttpHeaderNames.ACCEPT),
                request.headers().get("X-Request-ID"), version, options);
    }

    /** Whether a request has no body: one that has can be answered without reading it only by closing after. */
    private static boolean bodiless(HttpRequest request) {
        return !HttpUtil.isTransferEncodingChunked(request) && contentLength(request) == 0;
    }

    @Override
    public void aborted(String reason) {
        abort(reason, true);
    }

    /**
     * Ends a response that cannot be finished. Nothing that says it ended is sent.
     *
     * @param deliverFirst whether what the pod sent before goes first: closed at once, the connection would drop the
     *                     writes not flushed yet (HTTP/1), or reset the stream before them (HTTP/2); not for a client
     *                     that takes nothing, whose writes would never be done
     */
    private void abort(String reason, boolean deliverFirst) {
        upstreamEnded();
        releaseLimit();
        RequestWarnings.warn("Response to {} cut short: {}", ClientAddress.of(ctx.channel()), reason);
        call = null;
        state = State.CLOSED;
        if (!deliverFirst || !ctx.channel().isActive()) {
            ctx.close();
            return;
        }
        ChannelFuture delivered = ctx.writeAndFlush(new DefaultHttpContent(Unpooled.EMPTY_BUFFER));
        if (ctx.channel() instanceof Http2StreamChannel stream) {
            // reset with INTERNAL_ERROR, as nginx: a close would say CANCEL, which gRPC clients take for their own
            delivered.addListener(done -> stream.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.INTERNAL_ERROR))
                    .addListener(ChannelFutureListener.CLOSE_ON_FAILURE));
        } else {
            delivered.addListener(ChannelFutureListener.CLOSE);
        }
        if (!delivered.isDone()) {
            // --client-send-timeout closes a connection whose client takes nothing; this holds for streams too
            ScheduledFuture<?> limit = ctx.executor().schedule(() -> ctx.close(), ABORTED_DELIVERY_SECONDS,
                    TimeUnit.SECONDS);
            ctx.channel().closeFuture().addListener(closed -> limit.cancel(false));
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (call != null) {
            call.clientWritabilityChanged();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state = State.CLOSED;
        cancelCamelTimeout();
        releaseLimit();
        abandonMirrorCopy();
        if (call != null) {
            call.clientClosed();
            call = null;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event == DRAIN) {
            draining = true;
            if (state == State.IDLE) {
                state = State.CLOSED;
                ctx.close();
            }
            return;
        }
        if (event instanceof IdleStateEvent idle) {
            onIdle(idle.state(), idle.isFirst());
            return;
        }
        if (event == ClientTimeouts.EXPIRED) {
            if (state == State.IDLE && headerTimeout.partialHead()) {
                // the answer to a head that never came whole
                forgetLastRequest();
                respondAndClose(HttpResponseStatus.REQUEST_TIMEOUT);
            } else if (state == State.IDLE) {
                state = State.CLOSED;
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    /**
     * Reader idle ({@code --client-body-timeout}): a request body that stopped arriving gets 408 (or a
     * close, if its response has begun). All idle (keep-alive timeout): an idle connection is closed.
     */
    private void onIdle(IdleState idle, boolean first) {
        if (idle == IdleState.ALL_IDLE && (state == State.IDLE
                || state == State.CAMEL && camelRequestComplete && camelTimeout == null)) {
            // idle, or a Camel route that never answered: nothing moved either way for the keep-alive timeout (a
            // CamelRoute backend has its proxy-read-timeout instead, and a body still coming the client body timeout)
            ctx.close();
            return;
        }
        if (idle == IdleState.WRITER_IDLE) {
            // the first event of a quiet spell only marks where the output stands; a later one means none of
            // it moved for a whole period (the idle handler observes the output buffer and its progress)
            if (!first && outputPending() && ctx.channel().isActive()) {
                // --client-send-timeout: the client took nothing of what is pending for it; the pod's
                // connection, paused for it, is let go too
                if (call != null) {
                    call.clientClosed();
                }
                abort("the client took none of the response for --client-send-timeout", false);
            }
            return;
        }
        if (idle != IdleState.READER_IDLE) {
            return;
        }
        // stalled only if we asked for data and none came: waiting on our own writes is not the client's fault
        boolean stalled = readRequested && switch (state) {
            case PROXYING -> call != null && call.awaitingClientBody();
            case CAMEL -> !camelRequestComplete;
            case DISCARDING -> true;
            default -> false;
        };
        if (!stalled) {
            return;
        }
        if (state == State.PROXYING && !call.responseStarted()) {
            call.clientClosed();
            call = null;
            respondAndClose(HttpResponseStatus.REQUEST_TIMEOUT);
        } else {
            if (call != null) {
                call.clientClosed();
                call = null;
            }
            state = State.CLOSED;
            ctx.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        state = State.CLOSED;
        ClientFailures.INSTANCE.exceptionCaught(ctx, cause);
    }
}

package dev.caravan.gateway;

import dev.caravan.routing.Backend;
import dev.caravan.routing.RequestPath;
import dev.caravan.routing.RouteMatch;
import dev.caravan.upstream.ProxyCall;
import dev.caravan.upstream.ProxyCallListener;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway stage of one client connection. Each request is matched once against the routing table
 * in force; a request for pods is proxied here, in Netty, by a {@link ProxyCall}; a request nothing
 * matches continues down the pipeline to the listener's Camel route (the default backend). Requests
 * on a connection are served one after another: the channel reads only when this handler asks
 * (auto-read is off, and a {@code FlowControlHandler} hands over one message per read).
 */
final class GatewayHandler extends ChannelDuplexHandler implements ProxyCallListener {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayHandler.class);
    private static final long MAX_DISCARDED_BODY = 64 * 1024;

    private enum State { IDLE, PROXYING, CAMEL, DISCARDING }

    private final Gateway gateway;
    private ChannelHandlerContext ctx;
    private State state = State.IDLE;
    private ProxyCall call;
    private boolean requestBodyIsSmall;
    private boolean keepAlive;
    private boolean headRequest;

    GatewayHandler(Gateway gateway) {
        this.gateway = gateway;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch (state) {
            case IDLE -> {
                if (msg instanceof HttpRequest request) {
                    onRequest(request);
                } else {
                    ReferenceCountUtil.release(msg);
                    ctx.read();
                }
            }
            case PROXYING -> {
                if (msg instanceof HttpContent content) {
                    call.clientContent(content);
                } else {
                    ReferenceCountUtil.release(msg);
                }
            }
            case CAMEL -> {
                ctx.fireChannelRead(msg);
                if (!(msg instanceof LastHttpContent)) {
                    ctx.read();
                }
            }
            case DISCARDING -> {
                boolean last = msg instanceof LastHttpContent;
                ReferenceCountUtil.release(msg);
                if (last) {
                    state = State.IDLE;
                }
                ctx.read();
            }
        }
    }

    private void onRequest(HttpRequest request) {
        if (request.decoderResult().isFailure()) {
            respondAndClose(statusForDecoderFailure(request.decoderResult().cause()), request);
            return;
        }
        if (!gateway.consumers().accepting()) {
            respondAndClose(HttpResponseStatus.SERVICE_UNAVAILABLE, request);
            return;
        }
        if (!gateway.table().serving()) {
            // the Ingresses are not all read yet: a 404 now could be wrong
            respond(HttpResponseStatus.SERVICE_UNAVAILABLE, request);
            return;
        }
        requestBodyIsSmall = !HttpUtil.isTransferEncodingChunked(request)
                && HttpUtil.getContentLength(request, 0L) <= MAX_DISCARDED_BODY;
        RequestTarget target = RequestTarget.of(request);
        if (target.host() == null && request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
            respondAndClose(HttpResponseStatus.BAD_REQUEST, request);
            return;
        }
        String path = RequestPath.normalize(target.path());
        if (path == null) {
            respondAndClose(HttpResponseStatus.BAD_REQUEST, request);
            return;
        }
        RouteMatch match = gateway.table().get().resolve(target.host(), path);
        if (!match.found()) {
            state = State.CAMEL;
            ctx.fireChannelRead(request);
            ctx.read();
            return;
        }
        Backend backend = match.backend();
        if (!backend.hasEndpoints()) {
            respond(HttpResponseStatus.SERVICE_UNAVAILABLE, request);
            return;
        }
        HttpVersion clientVersion = request.protocolVersion();
        keepAlive = HttpUtil.isKeepAlive(request);
        headRequest = HttpMethod.HEAD.equals(request.method());
        ForwardedHeaders.apply(request, target.authority() == null ? "" : target.authority(),
                (InetSocketAddress) ctx.channel().remoteAddress(), gateway.scheme(), gateway.port());
        state = State.PROXYING;
        call = new ProxyCall(gateway.upstream(), ctx, request, clientVersion, keepAlive, backend, this);
        call.start();
    }

    /** Answers locally before any of the request was forwarded. */
    private void respond(HttpResponseStatus status, HttpRequest request) {
        finishLocally(status, HttpUtil.isKeepAlive(request), false, HttpMethod.HEAD.equals(request.method()));
    }

    /**
     * Writes a local response, then either drops the rest of the request (if small) so the connection
     * serves its next request, or closes the connection.
     */
    private void finishLocally(HttpResponseStatus status, boolean clientKeepAlive, boolean requestComplete,
            boolean head) {
        boolean keepAlive = clientKeepAlive && (requestComplete || requestBodyIsSmall);
        var written = ctx.writeAndFlush(LocalResponses.of(status, keepAlive, head));
        if (!keepAlive) {
            state = State.DISCARDING;
            written.addListener(ChannelFutureListener.CLOSE);
            return;
        }
        state = requestComplete ? State.IDLE : State.DISCARDING;
        ctx.read();
    }

    private void respondAndClose(HttpResponseStatus status, HttpRequest request) {
        state = State.DISCARDING;
        boolean head = HttpMethod.HEAD.equals(request.method());
        ctx.writeAndFlush(LocalResponses.of(status, false, head)).addListener(ChannelFutureListener.CLOSE);
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
        if (state == State.CAMEL && msg instanceof LastHttpContent) {
            // the default-backend route answered: the next request may be read once this is out
            promise = promise.unvoid();
            promise.addListener(f -> {
                state = State.IDLE;
                if (ctx.channel().isActive()) {
                    ctx.read();
                }
            });
        }
        ctx.write(msg, promise);
    }

    @Override
    public void completed(boolean keepOpen) {
        call = null;
        state = State.IDLE;
        if (keepOpen) {
            ctx.read();
        } else {
            ctx.close();
        }
    }

    @Override
    public void failed(HttpResponseStatus status, String reason, boolean requestComplete) {
        LOG.warn("{} for a request from {}: {}", status.code(), ctx.channel().remoteAddress(), reason);
        call = null;
        finishLocally(status, keepAlive, requestComplete, headRequest);
    }

    @Override
    public void aborted(String reason) {
        LOG.warn("Response to {} cut short: {}", ctx.channel().remoteAddress(), reason);
        call = null;
        ctx.close();
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
        if (call != null) {
            call.clientClosed();
            call = null;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent && state == State.IDLE) {
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            LOG.debug("Client connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            LOG.warn("Closing client connection {}", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}

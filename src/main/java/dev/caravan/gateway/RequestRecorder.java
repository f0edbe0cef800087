package dev.caravan.gateway;

import dev.caravan.routing.HeaderVariables;
import dev.caravan.routing.RequestFacts;
import dev.caravan.upstream.HeaderBytes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.CipherSuiteConverter;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Watches a connection's requests and responses as they pass, one at a time (it sits behind the flow
 * control, so the next request passes only once the gateway asks for it), and hands each finished
 * {@link RequestRecord} to the observers once its response's last byte is written. The gateway adds
 * what only it knows (the rule, the pod) to {@link #current()}.
 */
final class RequestRecorder extends ChannelDuplexHandler {

    /** nginx's status for a request whose client went away before the response began. */
    static final int CLIENT_CLOSED_REQUEST = 499;

    private final FinishedRequests finished;
    private final String scheme;
    private RequestRecord current;
    /** The client's address as text, made once per connection rather than once per request. */
    private String clientIp;
    /** The client a PROXY protocol header named, or {@code null}; read with {@link #clientIp}. */
    private InetSocketAddress proxyProtocolClient;
    private InetSocketAddress server;
    private String tlsProtocol;
    private String tlsCipher;
    private ConnectionCount count;
    private boolean responding;

    /** nginx's {@code $connection} and {@code $connection_requests}: kept on the connection, which HTTP/2's streams share. */
    private static final class ConnectionCount {
        final long serial = SERIALS.incrementAndGet();
        long requests;
    }

    private static final AtomicLong SERIALS = new AtomicLong();
    private static final AttributeKey<ConnectionCount> COUNT = AttributeKey.valueOf(RequestRecorder.class, "count");

    RequestRecorder(FinishedRequests finished, String scheme) {
        this.finished = finished;
        this.scheme = scheme;
    }

    /** The request being served, or {@code null} between requests. */
    RequestRecord current() {
        return current;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            current = start(ctx, request);
            responding = false;
        }
        if (current != null && msg instanceof HttpContent content) {
            current.requestBytes += content.content().readableBytes();
        }
        ctx.fireChannelRead(msg);
    }

    private RequestRecord start(ChannelHandlerContext ctx, HttpRequest request) {
        RequestRecord record = new RequestRecord();
        record.startNanos = System.nanoTime();
        record.startMillis = System.currentTimeMillis();
        if (request.decoderResult().isFailure() && "/bad-request".equals(request.uri())) {
            // the decoder's stand-in for a request line it could not read: none was sent, none is logged
            record.method = null;
            record.uri = null;
            record.protocol = null;
        } else {
            record.method = request.method().name();
            record.uri = request.uri();
            record.protocol = ctx.channel() instanceof Http2StreamChannel ? "HTTP/2.0"
                    : request.protocolVersion().text();
        }
        record.scheme = scheme;
        HttpHeaders headers = request.headers();
        record.host = headers.get(HttpHeaderNames.HOST);
        record.userAgent = headers.get(HttpHeaderNames.USER_AGENT);
        record.referer = headers.get(HttpHeaderNames.REFERER);
        // a proxied request gets one made if it has none; see GatewayHandler
        String requestId = headers.get("X-Request-ID");
        record.requestId = RequestFacts.passedOn(requestId) ? requestId : null;
        record.client = ClientAddress.of(ctx.channel());
        if (clientIp == null && record.client != null) {
            clientIp = NetUtil.toAddressString(record.client.getAddress());
            ClientAddress.Proxied proxied = ClientAddress.proxied(ctx.channel());
            proxyProtocolClient = proxied == null ? null : proxied.client();
            if (finished.readsConnection()) {
                connectionFacts(ctx);
            }
        }
        record.clientIp = clientIp;
        record.proxyProtocolClient = proxyProtocolClient;
        record.server = server;
        record.tlsProtocol = tlsProtocol;
        record.tlsCipher = tlsCipher;
        if (count != null) {
            record.connection = count.serial;
            record.connectionRequests = ++count.requests;
        }
        record.upstreamHeaderNames = finished.upstreamHeaderNames();
        record.requestBytes = request.method().name().length() + request.uri().length() + 12 + HeaderBytes.of(headers);
        String[] names = finished.headerNames();
        if (names.length > 0) {
            record.headerNames = names;
            record.headerValues = HeaderVariables.values(headers, names);
        }
        return record;
    }

    /** What is the connection's for every request: where it arrived, and its TLS. */
    private void connectionFacts(ChannelHandlerContext ctx) {
        Channel connection = ctx.channel() instanceof Http2StreamChannel ? ctx.channel().parent() : ctx.channel();
        server = connection.localAddress() instanceof InetSocketAddress local ? local : null;
        SslHandler tls = connection.pipeline().get(SslHandler.class);
        if (tls != null && tls.engine().getSession() != null) {
            tlsProtocol = tls.engine().getSession().getProtocol();
            String cipher = tls.engine().getSession().getCipherSuite();
            String openSsl = cipher == null ? null : CipherSuiteConverter.toOpenSsl(cipher, false);
            tlsCipher = openSsl != null ? openSsl : cipher;
        }
        count = connection.attr(COUNT).get();
        if (count == null) {
            count = new ConnectionCount();
            connection.attr(COUNT).set(count);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        RequestRecord record = current;
        if (record != null) {
            if (msg instanceof HttpResponse response && (response.status().codeClass() != HttpStatusClass.INFORMATIONAL
                    || response.status().code() == 101)) {
                HttpResponseStatus status = response.status();
                record.status = status.code();
                // "HTTP/1.1 200 OK\r\n": the status line as the encoder writes it
                record.responseHeadBytes = status.codeAsText().length() + 1 + status.reasonPhrase().length() + 11
                        + HeaderBytes.of(response.headers());
                record.responseBytes += record.responseHeadBytes;
                String[] names = finished.responseHeaderNames();
                if (names.length > 0) {
                    record.sentHeaderNames = names;
                    record.sentHeaderValues = HeaderVariables.values(response.headers(), names);
                }
                responding = true;
            }
            if (responding && msg instanceof ByteBufHolder holder) {
                record.responseBytes += holder.content().readableBytes();
            } else if (responding && msg instanceof ByteBuf buffer) {
                record.responseBytes += buffer.readableBytes();
            }
            if (responding && msg instanceof LastHttpContent) {
                current = null;
                promise = promise.unvoid();
                promise.addListener(written -> finish(ctx, record));
            }
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // a request cut short still counts: its status is what was sent, or nginx's 499 (client closed
        // request) when the connection ended before a response began
        RequestRecord record = current;
        current = null;
        if (record != null) {
            if (record.status == 0) {
                record.status = CLIENT_CLOSED_REQUEST;
            }
            finish(ctx, record);
        }
        ctx.fireChannelInactive();
    }

    private void finish(ChannelHandlerContext ctx, RequestRecord record) {
        record.durationNanos = System.nanoTime() - record.startNanos;
        finished.add(ctx.executor(), record);
    }
}

package dev.caravan.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.util.AttributeKey;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.ObjLongConsumer;

/**
 * First on a connection to the HTTPS listener (after a PROXY protocol header): tells a plain-HTTP request from a TLS
 * handshake by its first byte, and only then gives the connection its handlers. A TLS record begins with its content
 * type (20 to 23) and an SSLv2 hello with its high bit set; an HTTP request begins with a letter of its method, or
 * the empty lines RFC 9112 lets come before it. Plain HTTP gets the HTTP/1 handlers, whose gateway answers it 400 as
 * nginx does, rather than a connection closed without a word. A connection that sends nothing is closed after the
 * handshake timeout, as one whose handshake stalls.
 */
final class TlsPortSniffer extends ChannelInboundHandlerAdapter {

    private static final AttributeKey<Boolean> PLAIN = AttributeKey.valueOf("caravan.plain-http-on-tls-port");

    private final Consumer<ChannelPipeline> http1;
    private final ObjLongConsumer<ChannelPipeline> tls;
    private final long timeoutMillis;
    private final ClientProtocolFailures failures;
    private ScheduledFuture<?> timeout;
    private long startNanos;

    /**
     * @param http1 adds the HTTP/1 handlers to a pipeline
     * @param tls   adds the TLS handlers to a pipeline, with what is left of the time a ClientHello may take
     */
    TlsPortSniffer(Consumer<ChannelPipeline> http1, ObjLongConsumer<ChannelPipeline> tls, long timeoutMillis,
            ClientProtocolFailures failures) {
        this.http1 = http1;
        this.tls = tls;
        this.timeoutMillis = timeoutMillis;
        this.failures = failures;
    }

    /** Whether the connection is plain HTTP that came to the HTTPS listener. */
    static boolean on(Channel connection) {
        return connection.hasAttr(PLAIN);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            startTimeout(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        startTimeout(ctx);
        ctx.fireChannelActive();
    }

    private void startTimeout(ChannelHandlerContext ctx) {
        if (timeout == null) {
            startNanos = System.nanoTime();
            timeout = ctx.executor().schedule(() -> {
                if (ctx.channel().isActive()) {
                    failures.handshakeFailed(new SslHandshakeTimeoutException("nothing sent within " + timeoutMillis
                            + " ms"));
                    ctx.close();
                }
            }, timeoutMillis, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timeout != null) {
            timeout.cancel(false);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf bytes && bytes.isReadable()) {
            int first = bytes.getUnsignedByte(bytes.readerIndex());
            ChannelPipeline pipeline = ctx.pipeline();
            if (first >= 'A' && first <= 'Z' || first >= 'a' && first <= 'z' || first == '\r' || first == '\n') {
                ctx.channel().attr(PLAIN).set(Boolean.TRUE);
                http1.accept(pipeline);
            } else {
                // the ClientHello gets what is left of the time, not as much again
                long left = timeoutMillis - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
                tls.accept(pipeline, Math.max(1, left));
            }
            pipeline.remove(this);
        }
        ctx.fireChannelRead(msg);
    }
}

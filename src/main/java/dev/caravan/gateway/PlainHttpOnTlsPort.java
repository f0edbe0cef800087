package dev.caravan.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.util.AttributeKey;
import java.util.function.Consumer;

/**
 * On the HTTPS listener, tells a plain-HTTP request from a TLS handshake by its first byte: a TLS record begins
 * with its content type (20 to 23), an SSLv2 hello with its high bit set, an HTTP request with the first letter
 * of its method. Plain HTTP gets the HTTP/1 pipeline, whose gateway answers it 400 as nginx does, rather than a
 * connection closed without a word.
 */
final class PlainHttpOnTlsPort extends ChannelInboundHandlerAdapter {

    private static final AttributeKey<Boolean> PLAIN = AttributeKey.valueOf("caravan.plain-http-on-tls-port");

    private final Consumer<ChannelPipeline> http1;

    /** @param http1 adds the HTTP/1 handlers to a pipeline */
    PlainHttpOnTlsPort(Consumer<ChannelPipeline> http1) {
        this.http1 = http1;
    }

    /** Whether the connection is plain HTTP that came to the HTTPS listener. */
    static boolean on(Channel connection) {
        return connection.hasAttr(PLAIN);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf bytes && bytes.isReadable()) {
            int first = bytes.getUnsignedByte(bytes.readerIndex());
            ChannelPipeline pipeline = ctx.pipeline();
            if (first >= 'A' && first <= 'Z') {
                ctx.channel().attr(PLAIN).set(Boolean.TRUE);
                pipeline.remove("sni");
                pipeline.remove("alpn");
                pipeline.remove("client-failures");
                http1.accept(pipeline);
            }
            pipeline.remove(this);
        }
        ctx.fireChannelRead(msg);
    }
}

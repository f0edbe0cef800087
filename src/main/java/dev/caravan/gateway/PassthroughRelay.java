package dev.caravan.gateway;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Queue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays a client connection byte for byte to a pod ({@code ssl-passthrough}): TLS is the pod's
 * business. Each side reads only while the other can take what it writes, and a close on either side
 * closes the other once what was read has been written.
 */
final class PassthroughRelay extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(PassthroughRelay.class);

    private final InetSocketAddress endpoint;
    private final Duration connectTimeout;
    /** What the client sent before the pod's connection was up; the client is not read meanwhile. */
    private final Queue<Object> early = new ArrayDeque<>();
    private Channel client;
    private Channel pod;

    PassthroughRelay(InetSocketAddress endpoint, Duration connectTimeout) {
        this.endpoint = endpoint;
        this.connectTimeout = connectTimeout;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        client = ctx.channel();
        client.config().setAutoRead(false);
        new Bootstrap().group(client.eventLoop()).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .option(ChannelOption.AUTO_READ, false)
                .handler(new PodSide())
                .connect(endpoint).addListener((ChannelFutureListener) connected -> {
                    if (!connected.isSuccess()) {
                        LOG.warn("ssl-passthrough to {} failed: {}", endpoint, connected.cause().toString());
                        drainEarly();
                        client.close();
                        return;
                    }
                    pod = connected.channel();
                    while (!early.isEmpty()) {
                        pod.write(early.poll());
                    }
                    pod.flush();
                    client.config().setAutoRead(true);
                    pod.config().setAutoRead(true);
                });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (pod == null) {
            early.add(msg);
            return;
        }
        pod.writeAndFlush(msg);
        if (!pod.isWritable()) {
            client.config().setAutoRead(false);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (pod != null) {
            pod.config().setAutoRead(client.isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        drainEarly();
        closeAfterWrites(pod);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("ssl-passthrough client {} failed: {}", client.remoteAddress(), cause.toString());
        ctx.close();
    }

    private void drainEarly() {
        while (!early.isEmpty()) {
            ReferenceCountUtil.release(early.poll());
        }
    }

    private static void closeAfterWrites(Channel channel) {
        if (channel != null && channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** The pod's side: what it sends goes to the client. */
    private final class PodSide extends ChannelInboundHandlerAdapter {

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            client.writeAndFlush(msg);
            if (!client.isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            client.config().setAutoRead(ctx.channel().isWritable());
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closeAfterWrites(client);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("ssl-passthrough pod {} failed: {}", endpoint, cause.toString());
            ctx.close();
        }
    }
}

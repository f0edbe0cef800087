package dev.caravan.gateway;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.util.ReferenceCountUtil;
import dev.caravan.upstream.Transport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Queue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects a client's raw TLS stream to a pod ({@code ssl-passthrough}): TLS is the pod's business.
 * What the client sends before the pod's connection is up is held (the client is not read
 * meanwhile); then this handler gives way to a {@link ByteRelay} on each side.
 */
final class PassthroughRelay extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(PassthroughRelay.class);

    private final InetSocketAddress endpoint;
    private final Duration connectTimeout;
    private final Queue<Object> early = new ArrayDeque<>();
    private boolean closed;

    PassthroughRelay(InetSocketAddress endpoint, Duration connectTimeout) {
        this.endpoint = endpoint;
        this.connectTimeout = connectTimeout;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        Channel client = ctx.channel();
        client.config().setAutoRead(false);
        new Bootstrap().group(client.eventLoop()).channel(Transport.socketChannel(client.eventLoop()))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel pod) {
                        pod.pipeline().addLast("relay", ByteRelay.to(client));
                    }
                })
                .connect(endpoint).addListener((ChannelFutureListener) connected -> {
                    if (!connected.isSuccess() || closed) {
                        if (!connected.isSuccess()) {
                            LOG.warn("ssl-passthrough to {} failed: {}", endpoint, connected.cause().toString());
                        }
                        release();
                        connected.channel().close();
                        client.close();
                        return;
                    }
                    Channel pod = connected.channel();
                    while (!early.isEmpty()) {
                        pod.write(early.poll());
                    }
                    pod.flush();
                    ctx.pipeline().replace(this, "relay", ByteRelay.to(pod));
                    client.config().setAutoRead(true);
                    pod.config().setAutoRead(true);
                });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        early.add(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        release();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("ssl-passthrough client {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    private void release() {
        while (!early.isEmpty()) {
            ReferenceCountUtil.release(early.poll());
        }
    }
}

package dev.caravan.gateway;

import dev.caravan.routing.Backend;
import dev.caravan.upstream.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.ReferenceCountUtil;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects a client's raw stream to a pod of a backend (an {@code ssl-passthrough} host's TLS, a TCP service's
 * connection): what is in the stream is the pod's business. A pod that cannot be connected to is followed by another,
 * up to {@link #TRIES} in all, as nginx's stream proxy does by default. What the client sends before a pod's connection
 * is up is held (the client is not read meanwhile); then this handler gives way to a {@link ByteRelay} on each side.
 */
final class PodRelay extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(PodRelay.class);
    /** Pods tried for one connection at most (nginx's proxy_next_upstream_tries in ingress-nginx's stream block). */
    static final int TRIES = 3;

    private final Backend backend;
    private final Duration connectTimeout;
    private final boolean sendProxyHeader;
    private final String what;
    private final Queue<Object> early = new ArrayDeque<>();
    private final List<InetSocketAddress> tried = new ArrayList<>(TRIES);
    private final StreamSession session;
    private boolean closed;

    /**
     * @param sendProxyHeader whether the pod's connection starts with a PROXY protocol v1 header naming the client
     * @param what            what the relay is for, in log lines ("ssl-passthrough of a.example")
     */
    PodRelay(Backend backend, Duration connectTimeout, boolean sendProxyHeader, String what) {
        this(backend, connectTimeout, sendProxyHeader, what, null);
    }

    /** @param session what the access log will say of the connection, or {@code null} */
    PodRelay(Backend backend, Duration connectTimeout, boolean sendProxyHeader, String what, StreamSession session) {
        this.backend = backend;
        this.connectTimeout = connectTimeout;
        this.sendProxyHeader = sendProxyHeader;
        this.what = what;
        this.session = session;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(false);
        if (!backend.hasEndpoints()) {
            if (session != null) {
                session.trying(null);
            }
            RequestWarnings.warn("{}: connection from {} closed: {} has no ready endpoint", what,
                    ctx.channel().remoteAddress(), backend.name());
            ctx.close();
            return;
        }
        connect(ctx);
    }

    private void connect(ChannelHandlerContext ctx) {
        Channel client = ctx.channel();
        InetSocketAddress endpoint = backend.balancer().choose(backend.endpoints(), tried);
        tried.add(endpoint);
        if (session != null) {
            session.trying(endpoint);
        }
        new Bootstrap().group(client.eventLoop()).channel(Transport.socketChannel(client.eventLoop()))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel pod) {
                        pod.pipeline().addLast("relay", ByteRelay.to(client));
                    }
                })
                .connect(endpoint).addListener((ChannelFutureListener) connected -> connected(ctx, endpoint, connected));
    }

    private void connected(ChannelHandlerContext ctx, InetSocketAddress endpoint, ChannelFuture connected) {
        if (closed) {
            connected.channel().close();
            return;
        }
        if (!connected.isSuccess()) {
            connected.channel().close();
            boolean again = tried.size() < Math.min(TRIES, backend.endpoints().size());
            RequestWarnings.warn("{}: connecting to {} failed ({}){}", what, endpoint, connected.cause().toString(),
                    again ? ": trying another pod" : ": connection from " + ctx.channel().remoteAddress() + " closed");
            if (again) {
                connect(ctx);
            } else {
                release();
                ctx.close();
            }
            return;
        }
        Channel pod = connected.channel();
        if (sendProxyHeader) {
            pod.pipeline().addFirst("proxy-protocol", HAProxyMessageEncoder.INSTANCE);
            // the pod takes the header's word for who the client is: nothing of the client's goes before it
            pod.write(proxyHeader(ctx.channel())).addListener((ChannelFutureListener) written -> {
                if (!written.isSuccess()) {
                    LOG.warn("{}: PROXY protocol header to {} not sent: {}", what, endpoint, written.cause().toString());
                    pod.close();
                    ctx.close();
                }
            });
        }
        ByteRelay fromClient = ByteRelay.to(pod);
        while (!early.isEmpty()) {
            Object held = early.poll();
            if (held instanceof ByteBuf bytes) {
                fromClient.relayedAlready(bytes.readableBytes());
            }
            pod.write(held);
        }
        pod.flush();
        if (session != null) {
            session.relayed(fromClient, pod.pipeline().get(ByteRelay.class));
        }
        ctx.pipeline().replace(this, "relay", fromClient);
        ctx.channel().config().setAutoRead(true);
        pod.config().setAutoRead(true);
    }

    /**
     * The client as the connection's PROXY protocol header named it (from a trusted peer), else its peer, and the
     * address it reached here, as nginx's {@code proxy_protocol on} writes them (version 1) after its real_ip module.
     */
    private static HAProxyMessage proxyHeader(Channel client) {
        ClientAddress.Proxied proxied = client.attr(ClientAddress.PROXIED).get();
        InetSocketAddress source = proxied != null ? proxied.client() : (InetSocketAddress) client.remoteAddress();
        InetSocketAddress destination = (InetSocketAddress) client.localAddress();
        InetAddress from = ClientAddress.unmapped(source.getAddress());
        InetAddress to = ClientAddress.unmapped(destination.getAddress());
        boolean ipv4 = from instanceof Inet4Address && to instanceof Inet4Address;
        // one family per header: an IPv4 address beside an IPv6 one is written as IPv6 (::ffff:192.0.2.1)
        return new HAProxyMessage(HAProxyProtocolVersion.V1, HAProxyCommand.PROXY,
                ipv4 ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6, text(from, ipv4), text(to, ipv4),
                source.getPort(), destination.getPort());
    }

    private static String text(InetAddress address, boolean ipv4) {
        return ipv4 || !(address instanceof Inet4Address) ? address.getHostAddress()
                : "::ffff:" + address.getHostAddress();
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
        LOG.debug("{}: client {} failed: {}", what, ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    private void release() {
        while (!early.isEmpty()) {
            ReferenceCountUtil.release(early.poll());
        }
    }
}

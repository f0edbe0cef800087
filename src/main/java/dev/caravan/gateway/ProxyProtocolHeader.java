package dev.caravan.gateway;

import dev.caravan.routing.PercentEncoding;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Takes the client's address from the PROXY protocol header that Netty's {@code HAProxyMessageDecoder}, just before
 * this handler, reads off the connection; both leave the pipeline once it is read, and the connection's bytes go on
 * to TLS or HTTP. As nginx's {@code listen … proxy_protocol}: a connection whose header does not come in time, or is
 * not one, is closed without an answer, and said so in the log (a few lines a second at most). The header of a peer not trusted ({@code proxy-real-ip-cidr}), a
 * {@code LOCAL} one (a load balancer's health check) and one of another protocol than TCP leave the peer as the
 * client.
 */
final class ProxyProtocolHeader extends ChannelInboundHandlerAdapter {

    private final RealIpSettings settings;
    private ScheduledFuture<?> timeout;
    /** Whether the connection's header was refused, and the connection told of and closed. */
    private boolean refused;

    ProxyProtocolHeader(RealIpSettings settings) {
        this.settings = settings;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        timeout = ctx.executor().schedule(() -> {
            RequestWarnings.warn("Connection from {} to port {} closed: no PROXY protocol header within {} s",
                    ctx.channel().remoteAddress(), localPort(ctx), settings.proxyProtocolTimeout().toSeconds());
            ctx.close();
        }, settings.proxyProtocolTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        timeout.cancel(false);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HAProxyMessage header)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            InetSocketAddress peer = (InetSocketAddress) ctx.channel().remoteAddress();
            HAProxyProxiedProtocol.TransportProtocol transport = header.proxiedProtocol().transportProtocol();
            if (header.command() == HAProxyCommand.PROXY && transport == HAProxyProxiedProtocol.TransportProtocol.STREAM
                    && header.sourceAddress() != null && settings.trusts(peer)) {
                InetAddress client = ClientAddress.unmapped(
                        NetUtil.createInetAddressFromIpAddressString(header.sourceAddress()));
                if (client != null) {
                    ctx.channel().attr(ClientAddress.PROXIED).set(new ClientAddress.Proxied(
                            new InetSocketAddress(client, header.sourcePort()), header.destinationPort()));
                }
            }
        } finally {
            header.release();
        }
        ctx.pipeline().remove(this);
        if (!ctx.channel().config().isAutoRead()) {
            // the read HTTP asked for brought the header alone, and the decoder, having made a message, asks no more
            ctx.read();
        }
    }

    /** The listener's or TCP service's port the connection came to, which says which load balancer sent it. */
    private static Object localPort(ChannelHandlerContext ctx) {
        return ctx.channel().localAddress() instanceof InetSocketAddress local ? local.getPort() : "?";
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof HAProxyProtocolException && refused) {
            // the decoder goes on with the bytes after the header it refused: the connection is told of once
            return;
        }
        if (cause instanceof HAProxyProtocolException) {
            refused = true;
            // a client or scanner reaching past the load balancer, or a load balancer not set up for it; the decoder's
            // message quotes what the client sent: percent-encoded, no line breaks or escapes of its own in the log
            RequestWarnings.warn("Connection from {} to port {} closed: no valid PROXY protocol header ({})",
                    ctx.channel().remoteAddress(), localPort(ctx),
                    PercentEncoding.headerValue(String.valueOf(cause.getMessage())));
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }
}

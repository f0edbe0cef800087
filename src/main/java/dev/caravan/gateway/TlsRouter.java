package dev.caravan.gateway;

import dev.caravan.routing.Backend;
import dev.caravan.routing.RoutePolicy;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.Mapping;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The first stage of an HTTPS connection: reads the ClientHello's SNI name and either terminates TLS
 * with that name's certificate, or, for an {@code ssl-passthrough} host, relays the connection
 * undecrypted to one of its pods. Either way it then leaves the pipeline. A host that asks for client
 * certificates ({@code auth-tls-*}) has the handshake ask the client for one.
 */
final class TlsRouter extends AbstractSniHandler<Object> {

    private final Mapping<String, SslContext> certificates;
    private final Gateway gateway;

    TlsRouter(Mapping<String, SslContext> certificates, Gateway gateway, int maxClientHelloLength,
            long handshakeTimeoutMillis) {
        super(maxClientHelloLength, handshakeTimeoutMillis);
        this.certificates = certificates;
        this.gateway = gateway;
    }

    @Override
    protected Future<Object> lookup(ChannelHandlerContext ctx, String serverName) {
        Backend passthrough = gateway.table().get().passthrough(serverName);
        Object target = passthrough != null ? passthrough : certificates.map(serverName);
        return ctx.executor().newSucceededFuture(target);
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String serverName, Future<Object> future) {
        if (future.getNow() instanceof Backend backend) {
            relay(ctx, backend);
            return;
        }
        SslHandler tls = ((SslContext) future.getNow()).newHandler(ctx.alloc());
        tls.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        RoutePolicy.ClientCertificates certificates = gateway.table().get().clientCertificates(serverName);
        if (certificates != null && certificates.verify().asks()) {
            // asked for, never required here: the gateway checks it per request, as nginx, and answers 400
            tls.engine().setWantClientAuth(true);
            ctx.channel().attr(ClientCertificateCheck.HANDSHAKE).set(
                    new ClientCertificateCheck.Handshake(serverName, certificates));
        }
        ctx.pipeline().replace(this, "tls", tls);
    }

    private void relay(ChannelHandlerContext ctx, Backend backend) {
        if (!backend.hasEndpoints()) {
            // no pod to speak TLS for this name: nothing sensible can be answered in clear text
            ctx.close();
            return;
        }
        InetSocketAddress endpoint = backend.balancer().choose(backend.endpoints(), List.of());
        ctx.pipeline().remove("alpn");
        gateway.connections().add(ctx.channel());
        // the ClientHello read so far follows on to the relay when this handler leaves
        ctx.pipeline().replace(this, "passthrough",
                new PassthroughRelay(endpoint, gateway.upstream().settings().connectTimeout()));
    }
}

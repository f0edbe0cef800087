package dev.caravan.gateway;

import dev.caravan.auth.ClientCertificateAuthority;
import dev.caravan.routing.Backend;
import dev.caravan.routing.RoutePolicy;
import dev.caravan.routing.RoutingTable;
import dev.caravan.tls.CertificateStore;
import dev.caravan.tls.ServerCertificate;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first stage of an HTTPS connection: reads the ClientHello's SNI name and either terminates TLS
 * with that name's certificate, or, for an {@code ssl-passthrough} host, relays the connection
 * undecrypted to one of its pods. Either way it then leaves the pipeline. A host that asks for client
 * certificates ({@code auth-tls-*}) has the handshake ask the client for one, naming its authorities.
 */
final class TlsRouter extends AbstractSniHandler<Object> {

    private static final Logger LOG = LoggerFactory.getLogger(TlsRouter.class);

    private final CertificateStore certificates;
    private final Gateway gateway;
    /** How long the TLS handshake may take once the ClientHello is read. */
    private final long handshakeMillis;

    /**
     * @param helloTimeoutMillis     how long the ClientHello may take to come whole
     * @param handshakeTimeoutMillis how long the handshake may take after it
     */
    TlsRouter(CertificateStore certificates, Gateway gateway, int maxClientHelloLength,
            long helloTimeoutMillis, long handshakeTimeoutMillis) {
        super(maxClientHelloLength, helloTimeoutMillis);
        this.handshakeMillis = handshakeTimeoutMillis;
        this.certificates = certificates;
        this.gateway = gateway;
    }

    /** A TLS handshake to make: with this context, asking for these client certificates ({@code null}: none). */
    private record Termination(SslContext context, RoutePolicy.ClientCertificates asked) {
    }

    @Override
    protected Future<Object> lookup(ChannelHandlerContext ctx, String serverName) {
        RoutingTable table = gateway.table().get();
        Backend passthrough = table.passthrough(serverName);
        if (passthrough != null) {
            return ctx.executor().newSucceededFuture(passthrough);
        }
        ServerCertificate certificate = certificates.select(serverName);
        RoutePolicy.ClientCertificates asked = askedBy(table, serverName);
        // a host whose authorities could not be read answers 403 to everything, and asks on the plain context
        ClientCertificateAuthority authority = asked == null ? null : asked.authority();
        CompletableFuture<SslContext> context = contextOf(certificate, authority);
        SslContext ready = context.isDone() && !context.isCompletedExceptionally() ? context.getNow(null) : null;
        if (ready != null) {
            return ctx.executor().newSucceededFuture(new Termination(ready, asked));
        }
        // its context is being made, off the event loop, for the first handshake that needs it; a certificate the
        // TLS library refuses is not served: its hosts get the default one, as a broken Secret's do
        Promise<Object> found = ctx.executor().newPromise();
        context.handle((made, failed) -> {
                    if (failed != null) {
                        LOG.warn("TLS context for {} failed: {}", serverName, failed.toString());
                    }
                    return made;
                })
                .thenCompose(made -> made != null ? CompletableFuture.completedFuture(made)
                        : contextOf(certificates.fallback(), authority).handle((fallback, failed) -> fallback))
                .whenComplete((made, never) -> found.setSuccess(new Termination(made, asked)));
        return found;
    }

    /** The client certificates the handshake asks for, or {@code null} when the host asks for none. */
    private static RoutePolicy.ClientCertificates askedBy(RoutingTable table, String serverName) {
        RoutePolicy.ClientCertificates certificates = table.clientCertificates(serverName);
        return certificates != null && certificates.verify().asks() ? certificates : null;
    }

    private static CompletableFuture<SslContext> contextOf(ServerCertificate certificate,
            ClientCertificateAuthority authority) {
        return authority == null ? certificate.contexts().plain() : certificate.contexts().asking(authority);
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String serverName, Future<Object> future) {
        if (future.getNow() instanceof Backend backend) {
            relay(ctx, serverName, backend);
            return;
        }
        Termination termination = (Termination) future.getNow();
        if (ctx.isRemoved() || !ctx.channel().isActive()) {
            // the connection closed while its context was made
            return;
        }
        if (termination.context() == null) {
            // not even the default certificate can be served
            ctx.close();
            return;
        }
        SslHandler tls = termination.context().newHandler(ctx.alloc());
        tls.setHandshakeTimeoutMillis(handshakeMillis);
        if (termination.asked() != null) {
            // asked for, never required here: the gateway checks it per request, as nginx, and answers 400
            tls.engine().setWantClientAuth(true);
            ctx.channel().attr(ClientCertificateCheck.HANDSHAKE).set(
                    new ClientCertificateCheck.Handshake(serverName, termination.asked()));
        }
        ctx.pipeline().replace(this, "tls", tls);
    }

    private void relay(ChannelHandlerContext ctx, String serverName, Backend backend) {
        ctx.pipeline().remove("alpn");
        gateway.connections().add(ctx.channel());
        // the ClientHello read so far follows on to the relay when this handler leaves
        ctx.pipeline().replace(this, "passthrough", new PodRelay(backend,
                gateway.upstream().settings().connectTimeout(), false, "ssl-passthrough of " + serverName));
    }
}

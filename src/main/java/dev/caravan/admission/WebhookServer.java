package dev.caravan.admission;

import dev.caravan.gateway.ClientFailures;
import dev.caravan.gateway.OwnPipelineServer;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.RejectedExecutionHandlers;
import java.util.concurrent.TimeUnit;
import org.apache.camel.component.netty.http.NettySharedHttpServer;
import org.apache.camel.component.netty.http.handlers.HttpServerMultiplexChannelHandler;
import org.apache.camel.util.concurrent.CamelThreadFactory;

/**
 * The webhook's HTTPS server, offered to camel-netty-http as a {@link NettySharedHttpServer} (as the
 * listeners are) so that the webhook route's consumer runs on it. Caravan builds the pipeline because
 * the certificate changes at runtime: each connection's TLS handler comes from the certificate in use
 * then. Bodies are aggregated up to {@link #MAX_BODY} (larger ones get 413), and the route runs on a
 * small pool of its own, bounded, off the event loops.
 */
final class WebhookServer extends OwnPipelineServer<HttpServerMultiplexChannelHandler> {

    /** An AdmissionReview of an Ingress is a few KiB; the API server caps objects at about 1.5 MiB. */
    static final int MAX_BODY = 1024 * 1024;
    private static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;
    /** Reviews waiting for a thread; beyond this a connection's request is refused rather than queued. */
    private static final int MAX_PENDING = 256;

    private final ServingCertificate certificate;
    private EventExecutorGroup routeThreads;

    WebhookServer(String host, int port, ServingCertificate certificate, EventLoopGroup workers) {
        super(host, port, workers, "admission-webhook");
        this.certificate = certificate;
    }

    @Override
    protected HttpServerMultiplexChannelHandler newConsumers() {
        return new HttpServerMultiplexChannelHandler();
    }

    @Override
    protected ChannelInitializer<Channel> pipeline(HttpServerMultiplexChannelHandler consumers) {
        routeThreads = new DefaultEventExecutorGroup(2, new CamelThreadFactory("Caravan #name#", "admission", true),
                MAX_PENDING, RejectedExecutionHandlers.reject());
        EventExecutorGroup threads = routeThreads;
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel channel) {
                SslHandler tls = certificate.context().newHandler(channel.alloc());
                tls.setHandshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MILLIS);
                channel.pipeline().addLast("tls", tls);
                channel.pipeline().addLast("codec", new HttpServerCodec());
                channel.pipeline().addLast("aggregator", new HttpObjectAggregator(MAX_BODY));
                // failed handshakes (the API server before the caBundle is patched) and resets: debug
                channel.pipeline().addLast("client-failures", ClientFailures.instance());
                channel.pipeline().addLast(threads, "camel", consumers.getChannelHandler());
            }
        };
    }

    @Override
    protected void doStop() {
        super.doStop();
        if (routeThreads != null) {
            routeThreads.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        }
    }
}

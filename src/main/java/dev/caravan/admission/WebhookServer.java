package dev.caravan.admission;

import dev.caravan.gateway.ClientFailures;
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
import org.apache.camel.CamelContext;
import org.apache.camel.component.netty.NettyServerBootstrapFactory;
import org.apache.camel.component.netty.http.HttpServerBootstrapFactory;
import org.apache.camel.component.netty.http.HttpServerConsumerChannelFactory;
import org.apache.camel.component.netty.http.NettySharedHttpServer;
import org.apache.camel.component.netty.http.NettySharedHttpServerBootstrapConfiguration;
import org.apache.camel.component.netty.http.handlers.HttpServerMultiplexChannelHandler;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.camel.util.concurrent.CamelThreadFactory;

/**
 * The webhook's HTTPS server, offered to camel-netty-http as a {@link NettySharedHttpServer} (as the
 * listeners are) so that the webhook route's consumer runs on it. Caravan builds the pipeline because
 * the certificate changes at runtime: each connection's TLS handler comes from the certificate in use
 * then. Bodies are aggregated up to {@link #MAX_BODY} (larger ones get 413), and the route runs on a
 * small pool of its own, bounded, off the event loops.
 */
final class WebhookServer extends ServiceSupport implements NettySharedHttpServer {

    /** An AdmissionReview of an Ingress is a few KiB; the API server caps objects at about 1.5 MiB. */
    static final int MAX_BODY = 1024 * 1024;
    private static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;
    /** Reviews waiting for a thread; beyond this a connection's request is refused rather than queued. */
    private static final int MAX_PENDING = 256;

    private final String host;
    private final int port;
    private final ServingCertificate certificate;
    private final EventLoopGroup workers;
    private NettySharedHttpServerBootstrapConfiguration configuration;
    private HttpServerMultiplexChannelHandler consumers;
    private HttpServerBootstrapFactory bootstrapFactory;
    private EventExecutorGroup routeThreads;
    private boolean startServer = true;
    private String threadNamePattern = "Caravan #name#:#port#";

    WebhookServer(String host, int port, ServingCertificate certificate, EventLoopGroup workers) {
        this.host = host;
        this.port = port;
        this.certificate = certificate;
        this.workers = workers;
    }

    @Override
    protected void doStart() {
        if (configuration == null) {
            configuration = new NettySharedHttpServerBootstrapConfiguration();
        }
        configuration.setHost(host);
        configuration.setPort(port);
        configuration.setProtocol("tcp");
        configuration.setWorkerGroup(workers);
        consumers = new HttpServerMultiplexChannelHandler();
        consumers.init(port);
        routeThreads = new DefaultEventExecutorGroup(2, new CamelThreadFactory("Caravan #name#", "admission", true),
                MAX_PENDING, RejectedExecutionHandlers.reject());
        bootstrapFactory = new HttpServerBootstrapFactory(consumers, false);
        bootstrapFactory.init(new CamelThreadFactory(threadNamePattern.replace("#port#", Integer.toString(port)),
                "admission-webhook", true), configuration, new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        SslHandler tls = certificate.context().newHandler(channel.alloc());
                        tls.setHandshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MILLIS);
                        channel.pipeline().addLast("tls", tls);
                        channel.pipeline().addLast("codec", new HttpServerCodec());
                        channel.pipeline().addLast("aggregator", new HttpObjectAggregator(MAX_BODY));
                        // failed handshakes (the API server before the caBundle is patched) and resets: debug
                        channel.pipeline().addLast("client-failures", ClientFailures.instance());
                        channel.pipeline().addLast(routeThreads, "camel", consumers.getChannelHandler());
                    }
                });
        ServiceHelper.startService(consumers);
        if (startServer) {
            ServiceHelper.startService(bootstrapFactory);
        }
    }

    @Override
    protected void doStop() {
        ServiceHelper.stopService(bootstrapFactory, consumers);
        if (routeThreads != null) {
            routeThreads.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        }
    }

    @Override
    public void setNettyServerBootstrapConfiguration(NettySharedHttpServerBootstrapConfiguration configuration) {
        this.configuration = configuration;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        // the server needs no context: its consumer brings its own
    }

    @Override
    public void setStartServer(boolean startServer) {
        this.startServer = startServer;
    }

    @Override
    public void setThreadNamePattern(String pattern) {
        this.threadNamePattern = pattern;
    }

    @Override
    public int getPort() {
        return port;
    }

    @Override
    public HttpServerConsumerChannelFactory getConsumerChannelFactory() {
        return consumers;
    }

    @Override
    public NettyServerBootstrapFactory getServerBootstrapFactory() {
        return bootstrapFactory;
    }

    @Override
    public int getConsumersSize() {
        return consumers == null ? -1 : consumers.consumers();
    }
}

package dev.caravan.gateway;

import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.Mapping;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.time.Duration;
import java.util.Arrays;
import org.apache.camel.CamelContext;
import org.apache.camel.component.netty.NettyServerBootstrapFactory;
import org.apache.camel.component.netty.http.HttpServerBootstrapFactory;
import org.apache.camel.component.netty.http.HttpServerConsumerChannelFactory;
import org.apache.camel.component.netty.http.NettySharedHttpServer;
import org.apache.camel.component.netty.http.NettySharedHttpServerBootstrapConfiguration;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.camel.util.concurrent.CamelThreadFactory;

/**
 * An HTTP listener: a Netty server whose pipeline Caravan builds, offered to camel-netty-http as a
 * {@link NettySharedHttpServer} so that the listener route's consumer
 * ({@code netty-http:...?nettySharedHttpServer=#bean}) runs on it. Binds when started.
 */
public final class HttpListener extends ServiceSupport implements NettySharedHttpServer {

    private final ListenerSettings settings;
    private final ListenerShared shared;
    private final Mapping<String, SslContext> certificates;
    private NettySharedHttpServerBootstrapConfiguration configuration;
    private ListenerConsumers consumers;
    private HttpServerBootstrapFactory bootstrapFactory;
    private boolean startServer = true;
    private final ChannelGroup connections;
    private String threadNamePattern = "Caravan #name#:#port#";

    /** @param certificates for an HTTPS listener, the certificate of each SNI name; {@code null} for HTTP */
    public HttpListener(ListenerSettings settings, ListenerShared shared, Mapping<String, SslContext> certificates) {
        if (settings.tls() != (certificates != null)) {
            throw new IllegalArgumentException("an HTTPS listener needs certificates, an HTTP one none");
        }
        this.settings = settings;
        this.shared = shared;
        this.certificates = certificates;
        connections = new DefaultChannelGroup("caravan-" + settings.scheme() + "-clients", GlobalEventExecutor.INSTANCE);
    }

    public ListenerSettings settings() {
        return settings;
    }

    /** Whether the port is bound. */
    public boolean bound() {
        return isStarted() && startServer;
    }

    @Override
    protected void doStart() {
        if (configuration == null) {
            configuration = new NettySharedHttpServerBootstrapConfiguration();
        }
        configuration.setHost(settings.host());
        configuration.setPort(settings.port());
        configuration.setProtocol("tcp");
        configuration.setWorkerGroup(shared.workers());
        consumers = new ListenerConsumers();
        consumers.init(settings.port());
        Gateway gateway = new Gateway(settings.scheme(), settings.port(), shared.table(), shared.upstream(), consumers,
                settings.maxBodySize(), shared.rateLimiters(), connections, settings.httpsRedirectPort(), settings.hsts(),
                shared.observers(), shared.upgrades(), shared.interceptors(), shared.externalAuth(),
                shared.basicAuthentication());
        bootstrapFactory = new HttpServerBootstrapFactory(consumers, false);
        String pattern = threadNamePattern.replace("#port#", Integer.toString(settings.port()));
        bootstrapFactory.init(new CamelThreadFactory(pattern, "listener-" + settings.scheme(), true), configuration,
                new ListenerChannelInitializer(settings, gateway, certificates, shared.connections()));
        ServiceHelper.startService(consumers);
        if (startServer) {
            ServiceHelper.startService(bootstrapFactory);
        }
    }

    /**
     * Drains listeners before they stop: every idle keep-alive connection is closed, every busy one
     * closes after its response, and this waits (at most {@code grace}) until none is left, so a
     * shutdown or rolling update cuts no request in flight.
     *
     * @return whether every connection finished within the grace period
     */
    public static boolean drain(Duration grace, HttpListener... listeners) throws InterruptedException {
        for (HttpListener listener : listeners) {
            listener.connections.forEach(channel -> channel.pipeline().fireUserEventTriggered(GatewayHandler.DRAIN));
        }
        long deadline = System.nanoTime() + grace.toNanos();
        while (System.nanoTime() < deadline && !Arrays.stream(listeners).allMatch(l -> l.connections.isEmpty())) {
            Thread.sleep(50);
        }
        return Arrays.stream(listeners).allMatch(l -> l.connections.isEmpty());
    }

    @Override
    protected void doStop() {
        ServiceHelper.stopService(bootstrapFactory, consumers);
    }

    @Override
    public void setNettyServerBootstrapConfiguration(NettySharedHttpServerBootstrapConfiguration configuration) {
        this.configuration = configuration;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        // the listener needs no context: its consumers bring their own
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
        return settings.port();
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

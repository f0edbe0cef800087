package dev.caravan.gateway;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import dev.caravan.upstream.Transport;
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
 * A Netty server whose pipeline Caravan builds, offered to camel-netty-http as a {@link NettySharedHttpServer}
 * so that a route's consumer ({@code netty-http:...?nettySharedHttpServer=#bean}) runs on it: the listeners and
 * the admission webhook. Subclasses give the consumers' dispatcher and the pipeline; this binds when started.
 *
 * @param <C> the dispatcher to the port's consumers
 */
public abstract class OwnPipelineServer<C extends HttpServerMultiplexChannelHandler> extends ServiceSupport
        implements NettySharedHttpServer {

    private final String host;
    private final int port;
    private final EventLoopGroup workers;
    private final String name;
    private NettySharedHttpServerBootstrapConfiguration configuration;
    private C consumers;
    private HttpServerBootstrapFactory bootstrapFactory;
    private boolean startServer = true;
    private String threadNamePattern = "Caravan #name#:#port#";

    /** @param name names the server's threads */
    protected OwnPipelineServer(String host, int port, EventLoopGroup workers, String name) {
        this.host = host;
        this.port = port;
        this.workers = workers;
        this.name = name;
    }

    /** A new dispatcher to the port's consumers, made at each start. */
    protected abstract C newConsumers();

    /** The pipeline of each connection; {@code consumers}' channel handler hands requests to Camel. */
    protected abstract ChannelInitializer<Channel> pipeline(C consumers);

    /** Whether the port is bound. */
    public boolean bound() {
        return isStarted() && startServer;
    }

    protected C consumers() {
        return consumers;
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
        configuration.setNativeTransport(Transport.isNative(workers));
        consumers = newConsumers();
        consumers.init(port);
        bootstrapFactory = new HttpServerBootstrapFactory(consumers, false);
        bootstrapFactory.init(new CamelThreadFactory(threadNamePattern.replace("#port#", Integer.toString(port)),
                name, true), configuration, pipeline(consumers));
        ServiceHelper.startService(consumers);
        if (startServer) {
            ServiceHelper.startService(bootstrapFactory);
        }
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
        // the server needs no context: its consumers bring their own
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

package dev.caravan.gateway;

import dev.caravan.routing.RoutingTable;
import dev.caravan.routing.StreamServices;
import dev.caravan.upstream.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP ports of {@code --tcp-services-configmap}: each table's {@link StreamServices} are listened on, a port opened
 * when an entry names it and closed when none does, with no effect on the others; each connection is relayed to a pod
 * of the Service its port named when it came (its connection then lives on whatever the table becomes, as nginx's
 * stream connections outlive a reload). A port that cannot be listened on (taken, not permitted) is said and tried
 * again at the next change.
 */
public final class StreamListeners implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamListeners.class);

    /**
     * @param idleTimeout    how long a connection may carry nothing either way ({@code --proxy-stream-timeout})
     * @param connectTimeout how long connecting to a pod may take ({@code --proxy-connect-timeout})
     * @param realIp         whose PROXY protocol headers are believed, and how long one may take to come
     */
    public record Settings(String bindAddress, Duration idleTimeout, Duration connectTimeout, RealIpSettings realIp) {
    }

    private final Settings settings;
    private final EventLoopGroup workers;
    /** The ports listened on (or being bound), by port; guarded by this. */
    private final Map<Integer, Channel> listening = new HashMap<>();
    /** Why a port could not be listened on, said once per reason; guarded by this. */
    private final Map<Integer, String> failures = new HashMap<>();
    private volatile StreamServices current = StreamServices.NONE;
    private boolean closed;

    public StreamListeners(Settings settings, EventLoopGroup workers) {
        this.settings = settings;
        this.workers = workers;
    }

    /** Listens on the ports of {@code table}, and on those alone. */
    public synchronized void tableChanged(RoutingTable table) {
        if (closed) {
            return;
        }
        current = table.streams();
        for (Integer port : new ArrayList<>(listening.keySet())) {
            if (!current.byPort().containsKey(port)) {
                listening.remove(port).close();
                LOG.info("TCP port {} is no longer served (--tcp-services-configmap); its connections go on", port);
            }
        }
        failures.keySet().retainAll(current.byPort().keySet());
        for (StreamServices.Service service : current.byPort().values()) {
            if (!listening.containsKey(service.port())) {
                listen(service.port());
            }
        }
    }

    /** The ports listened on now. */
    public synchronized List<Integer> ports() {
        return listening.entrySet().stream().filter(entry -> entry.getValue().isActive()).map(Map.Entry::getKey)
                .sorted().toList();
    }

    private void listen(int port) {
        ChannelFuture bound = new ServerBootstrap().group(workers).channel(Transport.serverSocketChannel(workers))
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel client) {
                        accepted(port, client);
                    }
                })
                .bind(settings.bindAddress(), port);
        listening.put(port, bound.channel());
        bound.addListener(done -> bound(port, bound));
    }

    private synchronized void bound(int port, ChannelFuture bound) {
        if (bound.isSuccess()) {
            failures.remove(port);
            StreamServices.Service service = current.byPort().get(port);
            if (closed || service == null || listening.get(port) != bound.channel()) {
                // given up while it was being bound
                bound.channel().close();
            } else {
                LOG.info("TCP port {} relays to {} (--tcp-services-configmap)", port, service.backend().name());
            }
            return;
        }
        if (listening.get(port) == bound.channel()) {
            listening.remove(port);
        }
        String why = bound.cause().toString();
        if (!why.equals(failures.put(port, why))) {
            LOG.error("TCP port {} of --tcp-services-configmap cannot be listened on at {}: {}; tried again at the next"
                    + " change", port, settings.bindAddress(), why);
        }
    }

    private void accepted(int port, Channel client) {
        StreamServices.Service service = current.byPort().get(port);
        if (service == null) {
            client.close();
            return;
        }
        String what = "TCP port " + port;
        client.pipeline().addLast("idle", new IdleStateHandler(0, 0, settings.idleTimeout().toMillis(),
                TimeUnit.MILLISECONDS));
        PodRelay relay = new PodRelay(service.backend(), settings.connectTimeout(), service.encodeProxy(), what);
        if (service.decodeProxy()) {
            client.pipeline().addLast("proxy-protocol", new HAProxyMessageDecoder());
            client.pipeline().addLast("proxy-header", new ProxyProtocolHeader(settings.realIp()));
            client.pipeline().addLast("relay", new AfterProxyHeader(relay));
        } else {
            client.pipeline().addLast("relay", relay);
        }
    }

    /** Stops listening; the connections relayed go on until they end or the event loops stop. */
    @Override
    public synchronized void close() {
        closed = true;
        listening.values().forEach(Channel::close);
        listening.clear();
    }

    /**
     * Reads the connection until its PROXY protocol header has been taken (the header's handler has left), then gives
     * way to the relay, which the header's client address then reaches the pod in.
     */
    private static final class AfterProxyHeader extends ChannelInboundHandlerAdapter {
        private final PodRelay relay;
        private final List<Object> early = new ArrayList<>(1);

        AfterProxyHeader(PodRelay relay) {
            this.relay = Objects.requireNonNull(relay);
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.read();
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            // what came with the header, before the relay is in place
            early.add(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (ctx.pipeline().get(ProxyProtocolHeader.class) == null) {
                List<Object> held = new ArrayList<>(early);
                early.clear();
                ctx.pipeline().replace(this, "relay", relay);
                held.forEach(ctx::fireChannelRead);
            }
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            early.forEach(ReferenceCountUtil::release);
            early.clear();
        }
    }
}

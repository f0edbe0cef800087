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
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
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
 * stream connections outlive a reload). A port that cannot be listened on (taken, not permitted) is said once and
 * tried again every {@link #RETRY}; Caravan's own ports are never taken.
 */
public final class StreamListeners implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamListeners.class);
    static final Duration RETRY = Duration.ofSeconds(10);

    /**
     * @param idleTimeout    how long a connection may carry nothing either way ({@code --proxy-stream-timeout})
     * @param connectTimeout how long connecting to a pod may take ({@code --proxy-connect-timeout})
     * @param realIp         whose PROXY protocol headers are believed, and how long one may take to come
     * @param ownPorts       Caravan's own ports (listeners, admin, webhook), by the flag that sets each
     */
    public record Settings(String bindAddress, Duration idleTimeout, Duration connectTimeout, RealIpSettings realIp,
            Map<Integer, String> ownPorts) {

        public Settings {
            ownPorts = Map.copyOf(ownPorts);
        }
    }

    private final Settings settings;
    private final EventLoopGroup workers;
    private final ConnectionLimit connections;
    private final StreamObserver observer;
    /** The ports listened on (or being bound), by port; guarded by this. */
    private final Map<Integer, Channel> listening = new HashMap<>();
    /** Why a port is not listened on, said once per reason; guarded by this. */
    private final Map<Integer, String> failures = new HashMap<>();
    /** The listeners being closed, by port: a port listened on again is bound once its old socket is gone. */
    private final Map<Integer, Channel> closing = new HashMap<>();
    private volatile StreamServices current = StreamServices.NONE;
    /** The connections relayed now, each removed as it closes: what a shutdown waits for. */
    private final ChannelGroup open = new DefaultChannelGroup("tcp-services", GlobalEventExecutor.INSTANCE);
    private boolean closed;

    /**
     * @param connections {@code --max-connections}, which these connections count against too
     * @param observer    told of each connection once it closed (the access log), or {@code null}
     */
    public StreamListeners(Settings settings, EventLoopGroup workers, ConnectionLimit connections,
            StreamObserver observer) {
        this.settings = settings;
        this.workers = workers;
        this.connections = connections;
        this.observer = observer;
    }

    /** Listens on the ports of {@code table}, and on those alone. */
    public synchronized void tableChanged(RoutingTable table) {
        if (closed) {
            return;
        }
        StreamServices before = current;
        current = table.streams();
        for (Integer port : new ArrayList<>(listening.keySet())) {
            if (!current.byPort().containsKey(port)) {
                Channel listener = listening.remove(port);
                closing.put(port, listener);
                listener.close().addListener(done -> closed(port, listener));
                LOG.info("TCP port {} is no longer served (--tcp-services-configmap); its connections go on", port);
            }
        }
        failures.keySet().retainAll(current.byPort().keySet());
        for (StreamServices.Service service : current.byPort().values()) {
            StreamServices.Service was = before.byPort().get(service.port());
            if (listening.containsKey(service.port())) {
                if (was != null && !was.backend().name().equals(service.backend().name())) {
                    LOG.info("TCP port {} relays new connections to {}", service.port(), service.backend().name());
                }
            } else {
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
        String own = settings.ownPorts().get(port);
        if (own != null) {
            fail(port, "it is Caravan's " + own);
            return;
        }
        if (closing.containsKey(port)) {
            // bound by closed() once the old listener is gone
            return;
        }
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
        boolean wanted = !closed && listening.get(port) == bound.channel();
        if (!wanted) {
            // given up while it was being bound: whatever became of it is no news
            bound.channel().close();
            return;
        }
        if (bound.isSuccess()) {
            failures.remove(port);
            LOG.info("TCP port {} relays to {} (--tcp-services-configmap)", port,
                    current.byPort().get(port).backend().name());
            return;
        }
        listening.remove(port);
        fail(port, bound.cause().toString());
        // a port closed a moment ago, or one its owner lets go of later, is taken once free
        workers.next().schedule(() -> retry(port), RETRY.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void fail(int port, String why) {
        if (!why.equals(failures.put(port, why))) {
            LOG.error("TCP port {} of --tcp-services-configmap cannot be listened on at {}: {}", port,
                    settings.bindAddress(), why);
        }
    }

    private synchronized void closed(int port, Channel listener) {
        if (closing.get(port) == listener) {
            closing.remove(port);
            retry(port);
        }
    }

    private synchronized void retry(int port) {
        if (!closed && current.byPort().containsKey(port) && !listening.containsKey(port)) {
            listen(port);
        }
    }

    private void accepted(int port, Channel client) {
        StreamServices.Service service = current.byPort().get(port);
        if (service == null || !connections.admit(client)) {
            client.close();
            return;
        }
        open.add(client);
        String what = "TCP port " + port;
        client.pipeline().addLast("idle", new IdleStateHandler(0, 0, settings.idleTimeout().toMillis(),
                TimeUnit.MILLISECONDS));
        StreamSession session = observer == null ? null : new StreamSession(port, service.backend().name());
        if (session != null) {
            client.closeFuture().addListener(closed -> {
                ClientAddress.Proxied proxied = client.attr(ClientAddress.PROXIED).get();
                observer.closed(session, proxied != null ? proxied.client() : (InetSocketAddress) client.remoteAddress());
            });
        }
        PodRelay relay = new PodRelay(service.backend(), settings.connectTimeout(), service.encodeProxy(), what,
                session);
        if (service.decodeProxy()) {
            client.pipeline().addLast("proxy-protocol", new HAProxyMessageDecoder());
            client.pipeline().addLast("proxy-header", new ProxyProtocolHeader(settings.realIp()));
            client.pipeline().addLast("relay", new AfterProxyHeader(relay));
        } else {
            client.pipeline().addLast("relay", relay);
        }
    }

    /** Stops listening; the connections relayed go on until they end, {@link #awaitClosed} or the event loops stop. */
    @Override
    public synchronized void close() {
        closed = true;
        listening.values().forEach(Channel::close);
        listening.clear();
    }

    /** The connections relayed now. */
    public int openConnections() {
        return open.size();
    }

    /**
     * Waits until the connections relayed have ended, as nginx's stream sessions are waited for on a graceful stop, and
     * closes those still open at {@code deadline} ({@link System#nanoTime()}).
     *
     * @return whether they all ended by themselves
     */
    public boolean awaitClosed(long deadline) throws InterruptedException {
        while (!open.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        if (open.isEmpty()) {
            return true;
        }
        open.close();
        return false;
    }

    /**
     * Reads the connection until its PROXY protocol header has been taken (the header's handler has left), then gives
     * way to the relay, which the header's client address then reaches the pod in. What comes with the header is held:
     * one read's worth at most, as nothing more is read meanwhile.
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
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // a reset before the header came, as from a load balancer's health check: nothing to tell
            LOG.debug("TCP client {} failed before its PROXY protocol header: {}", ctx.channel().remoteAddress(),
                    cause.toString());
            ctx.close();
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            early.forEach(ReferenceCountUtil::release);
            early.clear();
        }
    }
}

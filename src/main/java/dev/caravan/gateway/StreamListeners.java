package dev.caravan.gateway;

import dev.caravan.routing.RoutingTable;
import dev.caravan.routing.StreamServices;
import dev.caravan.upstream.Transport;
import io.netty.bootstrap.Bootstrap;
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
 * The TCP ports of {@code --tcp-services-configmap} and the UDP ports of {@code --udp-services-configmap}: each table's
 * {@link StreamServices} are listened on, a port opened when an entry names it and closed when none does, with no
 * effect on the others; each connection (each client's UDP session) is relayed to a pod of the Service its port named
 * when it came, and lives on whatever the table becomes, as nginx's stream sessions outlive a reload. A port that
 * cannot be listened on (taken, not permitted) is said once and tried again every {@link #RETRY}; Caravan's own ports
 * are never taken.
 */
public final class StreamListeners implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamListeners.class);
    static final Duration RETRY = Duration.ofSeconds(10);

    /**
     * @param idleTimeout    how long a connection may carry nothing either way ({@code --proxy-stream-timeout})
     * @param connectTimeout how long connecting to a pod may take ({@code --proxy-connect-timeout})
     * @param realIp         whose PROXY protocol headers are believed, and how long one may take to come
     * @param ownPorts       Caravan's own ports (listeners, admin, webhook), by the flag that sets each
     * @param responses      datagrams a pod answers each client datagram with, after which a UDP session ends (0: no
     *                       limit; {@code --proxy-stream-responses})
     */
    public record Settings(String bindAddress, Duration idleTimeout, Duration connectTimeout, RealIpSettings realIp,
            Map<Integer, String> ownPorts, int responses) {

        public Settings {
            ownPorts = Map.copyOf(ownPorts);
        }
    }

    private final Settings settings;
    private final EventLoopGroup workers;
    private final ConnectionLimit connections;
    private final StreamObserver observer;
    /** The ports listened on (or being bound); guarded by this. */
    private final Map<Port, Channel> listening = new HashMap<>();
    /** Why a port is not listened on, said once per reason; guarded by this. */
    private final Map<Port, String> failures = new HashMap<>();
    /** The listeners being closed: a port listened on again is bound once its old socket is gone. */
    private final Map<Port, Channel> closing = new HashMap<>();
    private volatile StreamServices current = StreamServices.NONE;
    /** The connections relayed now, each removed as it closes: what a shutdown waits for. */
    private final ChannelGroup open = new DefaultChannelGroup("tcp-services", GlobalEventExecutor.INSTANCE);
    private boolean closed;

    /**
     * @param connections {@code --max-connections}, which these connections count against too
     * @param observer    told of each connection once it closed (the access log, the metrics), or {@code null}
     */
    public StreamListeners(Settings settings, EventLoopGroup workers, ConnectionLimit connections,
            StreamObserver observer) {
        this.settings = settings;
        this.workers = workers;
        this.connections = connections;
        this.observer = observer;
    }

    /** A port of one protocol: TCP's 53 and UDP's 53 are two. */
    record Port(boolean udp, int number) {

        @Override
        public String toString() {
            return (udp ? "UDP" : "TCP") + " port " + number;
        }

        String flag() {
            return udp ? "--udp-services-configmap" : "--tcp-services-configmap";
        }
    }

    /** Listens on the ports of {@code table}, and on those alone. */
    public synchronized void tableChanged(RoutingTable table) {
        if (closed) {
            return;
        }
        StreamServices before = current;
        current = table.streams();
        for (Port port : new ArrayList<>(listening.keySet())) {
            if (service(current, port) == null) {
                Channel listener = listening.remove(port);
                closing.put(port, listener);
                listener.close().addListener(done -> closed(port, listener));
                LOG.info("{} is no longer served ({}); {}", port, port.flag(),
                        port.udp() ? "its sessions end" : "its connections go on");
            }
        }
        failures.keySet().removeIf(port -> service(current, port) == null);
        for (boolean udp : new boolean[] {false, true}) {
            for (StreamServices.Service service : (udp ? current.udp() : current.tcp()).values()) {
                Port port = new Port(udp, service.port());
                StreamServices.Service was = service(before, port);
                if (listening.containsKey(port)) {
                    if (was != null && !was.backend().name().equals(service.backend().name())) {
                        LOG.info("{} relays new {} to {}", port, udp ? "sessions" : "connections",
                                service.backend().name());
                    }
                } else {
                    listen(port);
                }
            }
        }
    }

    private static StreamServices.Service service(StreamServices services, Port port) {
        return (port.udp() ? services.udp() : services.tcp()).get(port.number());
    }

    /** The TCP ports listened on now. */
    public synchronized List<Integer> ports() {
        return ports(false);
    }

    /** The UDP ports listened on now. */
    public synchronized List<Integer> udpPorts() {
        return ports(true);
    }

    private List<Integer> ports(boolean udp) {
        return listening.entrySet().stream().filter(entry -> entry.getKey().udp() == udp && entry.getValue().isActive())
                .map(entry -> entry.getKey().number()).sorted().toList();
    }

    private void listen(Port port) {
        String own = settings.ownPorts().get(port.number());
        if (own != null) {
            // as ingress-nginx refuses its own ports for either protocol
            fail(port, "it is Caravan's " + own);
            return;
        }
        if (closing.containsKey(port)) {
            // bound by closed() once the old listener is gone
            return;
        }
        ChannelFuture bound = port.udp()
                ? new Bootstrap().group(workers).channel(Transport.datagramChannel(workers))
                        .option(ChannelOption.RCVBUF_ALLOCATOR, UdpPort.WHOLE_DATAGRAMS)
                        .handler(new UdpPort(port.number(), () -> current.udp().get(port.number()), settings, observer))
                        .bind(settings.bindAddress(), port.number())
                : new ServerBootstrap().group(workers).channel(Transport.serverSocketChannel(workers))
                        .childOption(ChannelOption.AUTO_READ, false)
                        .childOption(ChannelOption.TCP_NODELAY, true)
                        .childHandler(new ChannelInitializer<Channel>() {
                            @Override
                            protected void initChannel(Channel client) {
                                accepted(port.number(), client);
                            }
                        })
                        .bind(settings.bindAddress(), port.number());
        listening.put(port, bound.channel());
        bound.addListener(done -> bound(port, bound));
        bound.channel().closeFuture().addListener(done -> lost(port, bound.channel()));
    }

    /** A listener closed by something else than a change (a read error closes a UDP socket): listened on again. */
    private synchronized void lost(Port port, Channel listener) {
        if (!closed && listening.get(port) == listener) {
            listening.remove(port);
            LOG.warn("{} was closed; listening on it again", port);
            retry(port);
        }
    }

    private synchronized void bound(Port port, ChannelFuture bound) {
        boolean wanted = !closed && listening.get(port) == bound.channel();
        if (!wanted) {
            // given up while it was being bound: whatever became of it is no news
            bound.channel().close();
            return;
        }
        if (bound.isSuccess()) {
            failures.remove(port);
            LOG.info("{} relays to {} ({})", port, service(current, port).backend().name(), port.flag());
            return;
        }
        listening.remove(port);
        fail(port, bound.cause().toString());
        // a port closed a moment ago, or one its owner lets go of later, is taken once free
        workers.next().schedule(() -> retry(port), RETRY.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void fail(Port port, String why) {
        if (!why.equals(failures.put(port, why))) {
            LOG.error("{} of {} cannot be listened on at {}: {}{}", port, port.flag(), settings.bindAddress(), why,
                    why.startsWith("it is Caravan's") ? "" : " (tried again every " + RETRY.toSeconds() + " s)");
        }
    }

    private synchronized void closed(Port port, Channel listener) {
        if (closing.get(port) == listener) {
            closing.remove(port);
            retry(port);
        }
    }

    private synchronized void retry(Port port) {
        if (!closed && service(current, port) != null && !listening.containsKey(port)) {
            listen(port);
        }
    }

    private void accepted(int port, Channel client) {
        StreamServices.Service service = current.tcp().get(port);
        if (service == null || !connections.admit(client)) {
            client.close();
            return;
        }
        open.add(client);
        String what = "TCP port " + port;
        client.pipeline().addLast("idle", new IdleStateHandler(0, 0, settings.idleTimeout().toMillis(),
                TimeUnit.MILLISECONDS));
        StreamSession session = observer == null ? null : new StreamSession(port, service.backend().name(), false);
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

    /**
     * Stops listening; the TCP connections relayed go on until they end, {@link #awaitClosed} or the event loops stop,
     * while UDP sessions end with their port, whose socket their answers are sent from.
     */
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

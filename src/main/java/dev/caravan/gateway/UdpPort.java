package dev.caravan.gateway;

import dev.caravan.routing.StreamServices;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One UDP port of {@code --udp-services-configmap}, as nginx's stream proxy serves one: the datagrams of each client
 * address are a session, relayed to one pod of the Service the port names when the session starts, and the pod's
 * answers sent back from this port. Sessions live on this port's event loop, a map touched by it alone, at most
 * {@link #MAX_SESSIONS} at a time.
 */
final class UdpPort extends SimpleChannelInboundHandler<DatagramPacket> {

    /** Sessions of one port at most, each with a socket of its own to its pod: beyond, new clients' datagrams drop. */
    static final int MAX_SESSIONS = 4096;
    /** Each datagram is read into a buffer this large, either way: a datagram is cut to what its buffer holds. */
    static final RecvByteBufAllocator WHOLE_DATAGRAMS = new FixedRecvByteBufAllocator(65535);

    private final int port;
    private final Supplier<StreamServices.Service> service;
    private final StreamListeners.Settings settings;
    private final StreamObserver observer;
    private final Map<InetSocketAddress, UdpSession> sessions = new HashMap<>();

    /**
     * @param service  what the port relays to now, or {@code null} once it relays to nothing
     * @param observer told of each session once it ended (the access log, the metrics), or {@code null}
     */
    UdpPort(int port, Supplier<StreamServices.Service> service, StreamListeners.Settings settings,
            StreamObserver observer) {
        this.port = port;
        this.service = service;
        this.settings = settings;
        this.observer = observer;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        InetSocketAddress client = packet.sender();
        UdpSession session = sessions.get(client);
        if (session == null) {
            StreamServices.Service now = service.get();
            if (now == null) {
                return;
            }
            if (!now.backend().hasEndpoints()) {
                RequestWarnings.warn("UDP port {}: datagram from {} dropped: {} has no ready endpoint", port, client,
                        now.backend().name());
                if (observer != null) {
                    // logged as a session no pod was reached for, as a TCP connection's is
                    StreamSession dropped = new StreamSession(port, now.backend().name(), true);
                    dropped.trying(null);
                    dropped.datagramIn(packet.content().readableBytes());
                    observer.closed(dropped, client);
                }
                return;
            }
            if (sessions.size() >= MAX_SESSIONS) {
                RequestWarnings.warn("UDP port {}: datagram from {} dropped: {} sessions are open", port, client,
                        MAX_SESSIONS);
                return;
            }
            session = new UdpSession(ctx.channel(), client, now.backend(), settings,
                    new StreamSession(port, now.backend().name(), true), this::ended);
            sessions.put(client, session);
            session.start();
        }
        session.fromClient(packet.content());
    }

    private void ended(UdpSession session) {
        sessions.remove(session.client(), session);
        if (observer != null) {
            observer.closed(session.log(), session.client());
        }
    }

    /** The port's socket is closed: its sessions end, as their answers had no way back. */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        new ArrayList<>(sessions.values()).forEach(UdpSession::close);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // an ICMP error for an answer sent to a client that left: nothing to do but go on
        RequestWarnings.warn("UDP port {}: {}", port, cause.toString());
    }
}

package dev.caravan.gateway;

import dev.caravan.routing.Backend;
import dev.caravan.upstream.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One client's UDP session on a {@link UdpPort}: a socket of its own connected to one pod, the client's datagrams
 * written to it and the pod's sent back to the client from the port. It ends, as nginx's, once the pod has answered
 * every datagram with {@code --proxy-stream-responses} datagrams (with 0, once its datagram is sent: none is waited
 * for), when nothing went either way for {@code --proxy-stream-timeout} (a 502 when answers were still due), when the
 * pod is unreachable, or with its port. Everything runs on the port's event loop.
 */
final class UdpSession {

    /** Datagrams held while the pod's socket is being opened, at most; more are dropped, as UDP may. */
    private static final int HELD = 64;

    private final Channel port;
    private final InetSocketAddress client;
    private final int responses;
    private final StreamSession log;
    private final Consumer<UdpSession> ended;
    private final Backend backend;
    private final StreamListeners.Settings settings;
    private Channel pod;
    private final Queue<ByteBuf> held = new ArrayDeque<>();
    private boolean connected;
    private boolean closed;
    private long requests;
    private long answers;

    /** @param ended told once, when the session ends */
    UdpSession(Channel port, InetSocketAddress client, Backend backend, StreamListeners.Settings settings,
            StreamSession log, Consumer<UdpSession> ended) {
        this.port = port;
        this.client = client;
        this.backend = backend;
        this.settings = settings;
        this.responses = settings.responses();
        this.log = log;
        this.ended = ended;
    }

    /** Opens the socket to a pod; the session may have ended when this returns (no pod reachable). */
    void start() {
        InetSocketAddress endpoint = backend.balancer().choose(backend.endpoints(), List.of());
        log.trying(endpoint);
        ChannelFuture connecting = new Bootstrap().group(port.eventLoop())
                .channel(Transport.datagramChannel(port.eventLoop()))
                .option(ChannelOption.RCVBUF_ALLOCATOR, UdpPort.WHOLE_DATAGRAMS)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        channel.pipeline().addLast("idle", new IdleStateHandler(0, 0,
                                settings.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
                        channel.pipeline().addLast("from-pod", new FromPod());
                    }
                })
                .connect(endpoint);
        pod = connecting.channel();
        connecting.addListener(done -> {
            // a socket that could not be made (no file descriptor left) fails on another thread
            if (port.eventLoop().inEventLoop()) {
                connected(done.isSuccess());
            } else {
                port.eventLoop().execute(() -> connected(done.isSuccess()));
            }
        });
    }

    InetSocketAddress client() {
        return client;
    }

    StreamSession log() {
        return log;
    }

    /** A datagram from the client; {@code content} is the caller's, retained or copied here where kept. */
    void fromClient(ByteBuf content) {
        if (closed) {
            return;
        }
        if (!connected) {
            if (held.size() < HELD) {
                // a copy of its own size: the read buffer is as large as the largest datagram
                held.add(content.copy());
                counted(content);
            }
            return;
        }
        if (toPod(content.retainedDuplicate())) {
            counted(content);
        }
        if (responses == 0) {
            close();
        }
    }

    /** One more datagram the pod has to answer, and its bytes. */
    private void counted(ByteBuf content) {
        requests++;
        log.datagramIn(content.readableBytes());
    }

    private void connected(boolean success) {
        if (!success) {
            log.unreachable();
            close();
            return;
        }
        connected = true;
        if (closed) {
            return;
        }
        log.relayed();
        ByteBuf next;
        while ((next = held.poll()) != null) {
            toPod(next);
        }
        if (responses == 0) {
            close();
        }
    }

    /** @return whether the datagram went out; else it is dropped (released) */
    private boolean toPod(ByteBuf datagram) {
        if (pod.isWritable()) {
            pod.writeAndFlush(datagram, pod.voidPromise());
            return true;
        }
        // the pod's socket is backed up: dropped, as the network might
        datagram.release();
        return false;
    }

    /** Ends the session, once. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (answers < requests * responses) {
            // ended (idle, or with its port) with answers due: nginx's "upstream timed out", a 502
            log.unreachable();
        }
        ByteBuf next;
        while ((next = held.poll()) != null) {
            next.release();
        }
        pod.close();
        ended.accept(this);
    }

    private final class FromPod extends ChannelInboundHandlerAdapter {

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                ByteBuf content = msg instanceof DatagramPacket packet ? packet.content() : (ByteBuf) msg;
                if (closed) {
                    return;
                }
                answers++;
                if (port.isWritable()) {
                    log.datagramOut(content.readableBytes());
                    port.writeAndFlush(new DatagramPacket(content.retain(), client), port.voidPromise());
                }
                if (responses > 0 && answers >= requests * responses) {
                    close();
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof IdleStateEvent) {
                close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // closed otherwise than by close() (the event loops stopping): the session is over all the same
            close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (closed) {
                // what was still on its way when the session ended
                return;
            }
            // an ICMP error: nothing listens at the pod's port (a pod going away, a wrong target port)
            if (answers == 0) {
                log.unreachable();
            }
            RequestWarnings.warn("UDP port {}: session of {} with {} ended: {}", log.port(), client, log.upstream(),
                    cause.toString());
            close();
        }
    }
}

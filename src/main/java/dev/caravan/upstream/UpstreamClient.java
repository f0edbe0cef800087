package dev.caravan.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Keep-alive HTTP/1.1 connections to pods. Each event loop keeps its own idle connections, so a proxied
 * request and its upstream connection share one thread and nothing is locked. Idle connections close
 * themselves after {@link UpstreamSettings#idleTimeout()}, and an endpoint's entry disappears with its
 * last idle connection, so the pool stays bounded as pods come and go.
 */
public final class UpstreamClient {

    private static final AttributeKey<Target> TARGET = AttributeKey.valueOf("caravan.upstream.target");

    private static final int MAX_INITIAL_LINE = 8192;
    /** The largest response head (its header section) a pod may send by default: beyond, 502. */
    public static final int MAX_RESPONSE_HEAD = 32768;
    /** The most a route may raise that to ({@code proxy-buffer-size}). */
    public static final int LARGEST_RESPONSE_HEAD = 1 << 20;
    private static final int MAX_CHUNK_SIZE = 65536;

    /**
     * A connection's key: the pod's address, how it is spoken to in TLS ({@code null}: none) and the largest response
     * head its decoder takes, so that only the connections of routes that raise it hold that much. Looked up twice
     * per request, so hashed and compared by hand: a record's generated methods go through method handles, which
     * showed in the profile.
     */
    record Target(InetSocketAddress endpoint, UpstreamTls tls, int maxResponseHead) {

        @Override
        public int hashCode() {
            return 31 * (31 * endpoint.hashCode() + (tls == null ? 0 : tls.hashCode())) + maxResponseHead;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Target target && endpoint.equals(target.endpoint) && Objects.equals(tls, target.tls)
                    && maxResponseHead == target.maxResponseHead;
        }
    }

    /** A TCP client bootstrap on {@code loop} as every connection to pods is made. */
    static Bootstrap podBootstrap(EventLoop loop, Duration connectTimeout) {
        return new Bootstrap().group(loop).channel(Transport.socketChannel(loop))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true);
    }

    private final UpstreamSettings settings;
    private final FastThreadLocal<LoopPool> pools = new FastThreadLocal<>();
    private final BackendTrust trust = new BackendTrust();
    private final EndpointDrains drains = new EndpointDrains();
    private final OutlierDetection outliers;

    public UpstreamClient(UpstreamSettings settings) {
        this(settings, OutlierDetection.defaults());
    }

    public UpstreamClient(UpstreamSettings settings, OutlierDetection outliers) {
        this.settings = settings;
        this.outliers = outliers;
    }

    /** The endpoints' passive health. */
    public OutlierDetection outliers() {
        return outliers;
    }

    public UpstreamSettings settings() {
        return settings;
    }

    /** The endpoints an operator drained. */
    public EndpointDrains drains() {
        return drains;
    }

    /** The TLS trust for HTTPS pods. */
    public BackendTrust trust() {
        return trust;
    }

    /**
     * An idle pooled connection to the endpoint, or a new one; in HTTP/2, a new stream on the endpoint's
     * connection. Must be called on {@code loop}.
     */
    Future<Channel> acquire(EventLoop loop, InetSocketAddress endpoint, CallOptions options) {
        if (options.http2()) {
            return pool(loop).http2.openStream(endpoint, options.tls(), options.connectTimeout());
        }
        return pool(loop).acquire(new Target(endpoint, options.tls(), options.maxResponseHead()),
                options.connectTimeout());
    }

    /** Returns a connection whose last exchange completed cleanly. Must be called on its event loop. */
    void release(Channel channel) {
        if (channel instanceof Http2StreamChannel) {
            // a stream serves one exchange
            channel.close();
            return;
        }
        pool(channel.eventLoop()).release(channel);
    }

    private LoopPool pool(EventLoop loop) {
        LoopPool pool = pools.get();
        if (pool == null) {
            pool = new LoopPool(loop);
            pools.set(pool);
        }
        return pool;
    }

    private final class LoopPool {
        private final EventLoop loop;
        private final Bootstrap bootstrap;
        private final Map<Target, ArrayDeque<Channel>> idle = new HashMap<>();
        private final Http2Connections http2;

        LoopPool(EventLoop loop) {
            this.loop = loop;
            http2 = new Http2Connections(loop, settings.connectTimeout(), settings.idleTimeout());
            long idleNanos = settings.idleTimeout().toNanos();
            bootstrap = podBootstrap(loop, settings.connectTimeout())
                    .option(ChannelOption.AUTO_READ, true)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel channel) {
                            Target target = channel.attr(TARGET).get();
                            if (target.tls() != null) {
                                channel.pipeline().addLast("tls", target.tls().handler(channel, target.endpoint()));
                            }
                            PodConnection pod = new PodConnection(target, idleNanos);
                            UpstreamResponseDecoder decoder = new UpstreamResponseDecoder(pod, MAX_INITIAL_LINE,
                                    target.maxResponseHead(), MAX_CHUNK_SIZE);
                            pod.decoder(decoder);
                            channel.pipeline().addLast("decoder", decoder);
                            channel.pipeline().addLast("encoder", new PodRequestEncoder());
                            channel.pipeline().addLast("upstream", pod);
                            channel.closeFuture().addListener(f -> forget(channel, target));
                        }
                    });
        }

        Future<Channel> acquire(Target target, Duration connectTimeout) {
            ArrayDeque<Channel> channels = idle.get(target);
            while (channels != null && !channels.isEmpty()) {
                Channel channel = channels.pollFirst();
                if (channels.isEmpty()) {
                    idle.remove(target);
                }
                if (channel.isActive()) {
                    return channel.eventLoop().newSucceededFuture(channel);
                }
            }
            Bootstrap connector = connectTimeout.equals(settings.connectTimeout()) ? bootstrap
                    : bootstrap.clone().option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis());
            // the target is known to the channel before its pipeline is built
            var connect = connector.clone().attr(TARGET, target).connect(target.endpoint());
            var result = loop.<Channel>newPromise();
            connect.addListener(f -> {
                if (f.isSuccess()) {
                    result.setSuccess(connect.channel());
                } else {
                    result.setFailure(f.cause());
                }
            });
            return result;
        }

        void release(Channel channel) {
            PodConnection pod = PodConnection.of(channel);
            if (!channel.isActive()) {
                channel.close();
                return;
            }
            ArrayDeque<Channel> channels = idle.computeIfAbsent(pod.target(), e -> new ArrayDeque<>());
            if (channels.size() >= settings.maxIdlePerEndpoint()) {
                channel.close();
                return;
            }
            pod.pooled();
            // most recently used first: the warmest connections are reused and the rest time out
            channels.addFirst(channel);
        }

        private void forget(Channel channel, Target target) {
            ArrayDeque<Channel> channels = idle.get(target);
            if (channels != null && channels.remove(channel) && channels.isEmpty()) {
                idle.remove(target);
            }
        }
    }
}

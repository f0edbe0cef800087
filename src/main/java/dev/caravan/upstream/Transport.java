package dev.caravan.upstream;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultithreadEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.NettyRuntime;
import java.util.concurrent.ThreadFactory;

/**
 * Which of Netty's transports the event loops use: Linux's epoll where its native library loads (fewer
 * system calls and less garbage per read than the JDK's selector), the JDK's NIO elsewhere or when
 * {@code -Dio.netty.transport.noNative=true} says so. Every channel of a loop must be of its transport.
 */
public final class Transport {

    private Transport() {
    }

    /**
     * The event loops of the listeners and of their connections to pods: {@code count}, or with 0 one per
     * core the JVM may use, as nginx's {@code worker_processes auto}. Not Netty's default of two per core
     * (nor its {@code io.netty.eventLoopThreads}, which {@code --event-loops} replaces here): the loops never
     * block, and a second loop per core makes a ready connection wait for the core, which shows in the
     * latency's tail. On a machine saturated by other processes too, more loops take a larger share of the
     * CPU from them; that is the throughput they buy.
     */
    public static MultithreadEventLoopGroup newGroup(int count, ThreadFactory threads) {
        int loops = count > 0 ? count : NettyRuntime.availableProcessors();
        return Epoll.isAvailable() ? new EpollEventLoopGroup(loops, threads) : new NioEventLoopGroup(loops, threads);
    }

    /** Whether {@code group}, or the group of the loop it is, is epoll's. */
    public static boolean isNative(EventLoopGroup group) {
        return group instanceof EpollEventLoopGroup
                || group instanceof EventLoop loop && loop.parent() instanceof EpollEventLoopGroup;
    }

    /** The class of the TCP client channels to open on {@code group}, a group or one of its loops. */
    public static Class<? extends SocketChannel> socketChannel(EventLoopGroup group) {
        return isNative(group) ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** The class of the TCP server channels to listen with on {@code group}. */
    public static Class<? extends ServerSocketChannel> serverSocketChannel(EventLoopGroup group) {
        return isNative(group) ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** The class of the UDP channels to open on {@code group}, a group or one of its loops. */
    public static Class<? extends DatagramChannel> datagramChannel(EventLoopGroup group) {
        return isNative(group) ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }

    public static String name(EventLoopGroup group) {
        return isNative(group) ? "epoll" : "nio";
    }
}

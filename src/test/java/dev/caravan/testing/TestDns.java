package dev.caravan.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A DNS server on loopback UDP for tests: answers A and AAAA questions from a table the test edits (TTL 1 s), and
 * NXDOMAIN for names not in it; answers for a name may be delayed, or withheld.
 */
public final class TestDns implements AutoCloseable {

    private final Map<String, List<String>> records = new ConcurrentHashMap<>();
    private final Map<String, Long> delays = new ConcurrentHashMap<>();
    private final List<String> asked = new CopyOnWriteArrayList<>();
    private final NioEventLoopGroup group = new NioEventLoopGroup(1);
    private final Channel channel;

    public TestDns() throws InterruptedException {
        channel = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        ch.pipeline().addLast(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder(),
                                new Answering());
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }

    /** The name answers with these addresses (IPv4 and IPv6 literals), from now on. */
    public void set(String name, String... addresses) {
        records.put(name.toLowerCase(Locale.ROOT), List.of(addresses));
    }

    /** The name is answered NXDOMAIN from now on. */
    public void remove(String name) {
        records.remove(name.toLowerCase(Locale.ROOT));
    }

    /** {@code 127.0.0.1:PORT}, as {@code --resolver} takes it. */
    public String address() {
        InetSocketAddress local = (InetSocketAddress) channel.localAddress();
        return "127.0.0.1:" + local.getPort();
    }

    /** Answers for the name wait this long from now on; a negative delay is no answer at all. */
    public void delay(String name, Duration delay) {
        delays.put(name.toLowerCase(Locale.ROOT), delay.toMillis());
    }

    /** Questions asked so far. */
    public int questions() {
        return asked.size();
    }

    /** The names asked for so far, as asked (fully qualified, with the root's dot), in order. */
    public List<String> asked() {
        return List.copyOf(asked);
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Answering extends SimpleChannelInboundHandler<DatagramDnsQuery> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery query) {
            DnsQuestion question = query.recordAt(DnsSection.QUESTION);
            asked.add(question.name());
            DatagramDnsResponse response = new DatagramDnsResponse(query.recipient(), query.sender(), query.id());
            response.setRecursionDesired(query.isRecursionDesired()).setRecursionAvailable(true);
            response.addRecord(DnsSection.QUESTION, question);
            String name = question.name().toLowerCase(Locale.ROOT);
            name = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
            List<String> addresses = records.get(name);
            if (addresses == null) {
                response.setCode(DnsResponseCode.NXDOMAIN);
            } else {
                for (String address : addresses) {
                    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
                    DnsRecordType type = bytes.length == 4 ? DnsRecordType.A : DnsRecordType.AAAA;
                    if (type.equals(question.type())) {
                        response.addRecord(DnsSection.ANSWER,
                                new DefaultDnsRawRecord(question.name(), type, 1, Unpooled.wrappedBuffer(bytes)));
                    }
                }
            }
            long delay = delays.getOrDefault(name, 0L);
            if (delay < 0) {
                response.release();
            } else if (delay > 0) {
                ctx.executor().schedule(() -> ctx.writeAndFlush(response), delay, TimeUnit.MILLISECONDS);
            } else {
                ctx.writeAndFlush(response);
            }
        }
    }
}

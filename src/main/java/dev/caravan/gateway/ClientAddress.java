package dev.caravan.gateway;

import io.netty.channel.Channel;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AttributeKey;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * Who a connection serves: its peer, or, behind a load balancer speaking the PROXY protocol, the client its header
 * names (nginx's {@code $remote_addr} with the realip module). Every use of the client's address — allow-lists,
 * rate limits, {@code X-Forwarded-For}, the access log — takes it from here.
 */
final class ClientAddress {

    /** The client and the port it connected to, as a trusted PROXY protocol header names them. */
    record Proxied(InetSocketAddress client, int serverPort) {
    }

    static final AttributeKey<Proxied> PROXIED = AttributeKey.valueOf(ClientAddress.class, "proxied");

    private ClientAddress() {
    }

    /** The client of {@code channel}, a connection or one of its HTTP/2 streams; {@code null} off the network. */
    static InetSocketAddress of(Channel channel) {
        Proxied proxied = proxied(channel);
        if (proxied != null) {
            return proxied.client();
        }
        Channel connection = channel instanceof Http2StreamChannel ? channel.parent() : channel;
        return connection.remoteAddress() instanceof InetSocketAddress peer ? peer : null;
    }

    /**
     * {@code address}, an IPv4 address written as IPv6 ({@code ::ffff:192.0.2.1}, as dual-stack load balancers write
     * IPv4 clients) made IPv4 again, so that IPv4 source ranges and limits apply to it; {@code null} stays {@code null}.
     */
    static InetAddress unmapped(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address;
        }
        byte[] bytes = address.getAddress();
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return address;
            }
        }
        if (bytes[10] != (byte) 0xff || bytes[11] != (byte) 0xff) {
            return address;
        }
        try {
            return InetAddress.getByAddress(Arrays.copyOfRange(bytes, 12, 16));
        } catch (UnknownHostException impossible) {
            return address;
        }
    }

    /** What a trusted PROXY protocol header said of {@code channel}'s connection, or {@code null}. */
    static Proxied proxied(Channel channel) {
        Channel connection = channel instanceof Http2StreamChannel ? channel.parent() : channel;
        return connection.attr(PROXIED).get();
    }
}

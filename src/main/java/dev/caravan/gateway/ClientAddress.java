package dev.caravan.gateway;

import io.netty.channel.Channel;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;

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

    /** What a trusted PROXY protocol header said of {@code channel}'s connection, or {@code null}. */
    static Proxied proxied(Channel channel) {
        Channel connection = channel instanceof Http2StreamChannel ? channel.parent() : channel;
        return connection.attr(PROXIED).get();
    }
}

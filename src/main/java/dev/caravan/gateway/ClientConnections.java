package dev.caravan.gateway;

import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;

/**
 * The open client connections of one listener, for draining it: once it drains, those open close as soon as they are
 * idle, and so do those that open or finish their TLS handshake afterwards, which load balancers still send until
 * they see the readiness go.
 */
final class ClientConnections extends DefaultChannelGroup {

    private volatile boolean draining;

    ClientConnections(String name) {
        super(name, GlobalEventExecutor.INSTANCE);
    }

    /** Has every connection close once idle: an HTTP/1 one after its response, an HTTP/2 one with GOAWAY. */
    void drain() {
        // first: a connection added from now on sees it, one added before is in the group
        draining = true;
        forEach(channel -> channel.pipeline().fireUserEventTriggered(GatewayHandler.DRAIN));
    }

    boolean draining() {
        return draining;
    }
}

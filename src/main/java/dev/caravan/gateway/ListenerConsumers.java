package dev.caravan.gateway;

import org.apache.camel.component.netty.http.NettyHttpConsumer;
import org.apache.camel.component.netty.http.handlers.HttpServerMultiplexChannelHandler;

/**
 * camel-netty-http's dispatcher to the consumers of one port, remembering the listener route's own
 * consumer so that the gateway honours that route's state: a suspended or stopped listener route
 * answers 503 on the fast proxy path exactly as camel-netty-http does on its own.
 */
final class ListenerConsumers extends HttpServerMultiplexChannelHandler {

    private volatile NettyHttpConsumer listenerConsumer;

    @Override
    public void addConsumer(NettyHttpConsumer consumer) {
        super.addConsumer(consumer);
        if (listenerConsumer == null) {
            listenerConsumer = consumer;
        }
    }

    @Override
    public void removeConsumer(NettyHttpConsumer consumer) {
        super.removeConsumer(consumer);
        if (listenerConsumer == consumer) {
            listenerConsumer = null;
        }
    }

    /** Whether the listener route takes requests: started, and neither suspended nor stopping. */
    boolean accepting() {
        NettyHttpConsumer consumer = listenerConsumer;
        return consumer != null && consumer.isRunAllowed() && !consumer.isSuspendingOrSuspended();
    }
}

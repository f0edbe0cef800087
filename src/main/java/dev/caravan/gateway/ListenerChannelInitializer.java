package dev.caravan.gateway;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * The pipeline of every client connection: Caravan's own, so that later stages (TLS with SNI, limits,
 * upgrades) have a place. Requests for pods end at the gateway; the rest are aggregated and handed to
 * camel-netty-http's consumer, which turns them into Exchanges of the listener route.
 */
final class ListenerChannelInitializer extends ChannelInitializer<Channel> {

    private final ListenerSettings settings;
    private final Gateway gateway;

    ListenerChannelInitializer(ListenerSettings settings, Gateway gateway) {
        this.settings = settings;
        this.gateway = gateway;
    }

    @Override
    protected void initChannel(Channel channel) {
        // reads happen when the gateway asks, which is how back-pressure and request ordering work
        channel.config().setAutoRead(false);
        ChannelPipeline pipeline = channel.pipeline();
        pipeline.addLast("idle", new IdleStateHandler(settings.clientBodyTimeout().toMillis(), 0,
                settings.keepAliveTimeout().toMillis(), TimeUnit.MILLISECONDS));
        pipeline.addLast("codec", new HttpServerCodec(settings.maxInitialLineLength(), settings.maxHeaderSize(),
                65536));
        pipeline.addLast("flow", new FlowControlHandler());
        pipeline.addLast("gateway", new GatewayHandler(gateway));
        pipeline.addLast("aggregator", new HttpObjectAggregator(settings.maxCamelBodySize()));
        pipeline.addLast("camel", gateway.consumers().getChannelHandler());
    }
}

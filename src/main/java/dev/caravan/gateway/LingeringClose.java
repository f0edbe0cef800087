package dev.caravan.gateway;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * nginx's lingering close, for a connection closed after an answer given before its request was read whole
 * (413, 400, ...): the answer is followed by a FIN, and what the client still sends is read and dropped until
 * it closes too, for at most {@link #LINGER_MILLIS}. Closing at once with the client's bytes unread makes the
 * kernel send a reset, which can destroy the answer before the client has read it.
 */
final class LingeringClose {

    static final long LINGER_MILLIS = 5000;
    /** Closes the channel of the answer it listens to, lingering if it can. */
    static final ChannelFutureListener AFTER = LingeringClose::after;

    private LingeringClose() {
    }

    private static void after(ChannelFuture written) {
        Channel channel = written.channel();
        if (!written.isSuccess() || !channel.isActive() || !(channel instanceof DuplexChannel duplex)) {
            channel.close();
            return;
        }
        channel.pipeline().addFirst("linger", Drain.INSTANCE);
        duplex.shutdownOutput().addListener(shut -> {
            if (!shut.isSuccess()) {
                channel.close();
                return;
            }
            var limit = channel.eventLoop().schedule(() -> channel.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
            channel.closeFuture().addListener(closed -> limit.cancel(false));
            RequestFlow flow = channel.pipeline().get(RequestFlow.class);
            if (flow != null) {
                flow.linger();
            }
            channel.config().setAutoRead(true);
        });
    }

    /** First in the pipeline: what arrives now is no request of anyone's. */
    @ChannelHandler.Sharable
    private static final class Drain extends ChannelInboundHandlerAdapter {

        static final Drain INSTANCE = new Drain();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}

package dev.caravan.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One side of two connections joined byte for byte (an upgraded connection, such as a WebSocket, or
 * an ssl-passthrough stream): what it reads is written to its peer. Each side reads only while its
 * peer can take more, a close on either side closes the other once what was read has been written,
 * and an idle event (no traffic either way for the idle timeout) closes both.
 */
final class ByteRelay extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(ByteRelay.class);

    private final Channel peer;
    /** The bytes read on this side and handed to the peer: a TCP service's access log counts them. */
    private long relayed;

    private ByteRelay(Channel peer) {
        this.peer = peer;
    }

    long relayed() {
        return relayed;
    }

    /** Counts what was handed to the peer before this relay was in place (what came with the connection's start). */
    void relayedAlready(long bytes) {
        relayed += bytes;
    }

    /** The handler that relays what {@code channel} reads to {@code peer}; add it last to {@code channel}. */
    static ByteRelay to(Channel peer) {
        return new ByteRelay(peer);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf)) {
            // what an HTTP decoder still had to say (the end of the upgrade response): not part of the stream
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!peer.isActive()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        relayed += ((ByteBuf) msg).readableBytes();
        peer.writeAndFlush(msg);
        if (!peer.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        peer.config().setAutoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeAfterWrites(peer);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent) {
            ctx.close();
            closeAfterWrites(peer);
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) {
            LOG.debug("Relayed connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        }
        ctx.close();
    }

    static void closeAfterWrites(Channel channel) {
        if (channel != null && channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}

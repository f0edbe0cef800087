package dev.caravan.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The stage between the codec and the gateway: one message per read asked for, and read-ahead. */
class RequestFlowTest {

    /** Counts the reads that reach the channel, as the socket would see them. */
    private static final class SocketReads extends ChannelOutboundHandlerAdapter {
        int count;

        @Override
        public void read(ChannelHandlerContext ctx) throws Exception {
            count++;
            super.read(ctx);
        }
    }

    /** Stands in for the gateway: keeps what it gets; asks for more through {@link #ask()}. */
    private static final class Gateway extends ChannelInboundHandlerAdapter {
        final List<Object> received = new ArrayList<>();
        int readsCompleted;
        ChannelHandlerContext ctx;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            received.add(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            readsCompleted++;
        }

        void ask() {
            ctx.read();
        }
    }

    private final SocketReads socket = new SocketReads();
    private final Gateway gateway = new Gateway();

    @AfterEach
    void releaseWhatTheGatewayGot() {
        gateway.received.forEach(ReferenceCountUtil::release);
    }

    private EmbeddedChannel channel(boolean readAhead) {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setAutoRead(false);
        channel.pipeline().addLast(socket, new RequestFlow(readAhead), gateway);
        return channel;
    }

    private static DecodedRequest get(String uri) {
        DecodedRequest request = new DecodedRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri,
                DefaultHttpHeadersFactory.headersFactory());
        request.endsHere();
        return request;
    }

    private static HttpContent chunk(String text) {
        return new DefaultHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII));
    }

    @Test
    void handsOverOneMessagePerReadAskedFor() {
        EmbeddedChannel channel = channel(false);
        DecodedRequest first = get("/1");
        DecodedRequest second = get("/2");
        channel.writeInbound(first, second);
        assertEquals(List.of(), gateway.received, "nothing was asked for");

        gateway.ask();
        assertEquals(List.of(first), gateway.received);
        gateway.ask();
        assertEquals(List.of(first, second), gateway.received);
        assertEquals(0, socket.count, "what waited needed no socket read");

        gateway.ask();
        assertEquals(1, socket.count, "with nothing waiting, the ask goes to the socket");
        channel.finishAndReleaseAll();
    }

    @Test
    void aMessageAskedForGoesStraightThroughAndItsReadCompletes() {
        EmbeddedChannel channel = channel(false);
        gateway.ask();
        HttpContent body = chunk("abc");
        channel.writeInbound(body);
        assertEquals(List.of(body), gateway.received);
        assertEquals(1, gateway.readsCompleted);
        channel.finishAndReleaseAll();
    }

    @Test
    void readsAheadOnceARequestHasEnded() {
        EmbeddedChannel channel = channel(true);
        gateway.ask();
        assertEquals(1, socket.count);
        channel.writeInbound(get("/"));
        assertEquals(2, socket.count, "a read stays asked for while the request is served");

        // the next request, pipelined, waits until the gateway is done with this one
        DecodedRequest next = get("/next");
        channel.writeInbound(next);
        assertEquals(1, gateway.received.size());
        assertEquals(2, socket.count, "no read beyond the one ahead");
        gateway.ask();
        assertSame(next, gateway.received.get(1));
        assertEquals(3, socket.count, "and once it is handed over, the next read goes ahead");
        channel.finishAndReleaseAll();
    }

    @Test
    void noReadAheadInTheMiddleOfABody() {
        EmbeddedChannel channel = channel(true);
        gateway.ask();
        channel.writeInbound(chunk("part"));
        assertEquals(1, socket.count, "the body's next part is read when the gateway asks for it");
        gateway.ask();
        channel.writeInbound(new DefaultLastHttpContent());
        assertEquals(3, socket.count, "after the body's end, one read goes ahead");
        channel.finishAndReleaseAll();
    }

    @Test
    void noReadAheadWithoutIt() {
        EmbeddedChannel channel = channel(false);
        gateway.ask();
        channel.writeInbound(get("/"));
        assertEquals(1, socket.count);
        channel.finishAndReleaseAll();
    }

    /**
     * A lingering close has the connection read by itself to drain the client: a read must then reach the socket, and what was
     * decoded ahead of the answer, or is decoded as the connection closes, is dropped: no request of anyone's.
     */
    @Test
    void onceTheChannelReadsByItselfWhatWaitsIsDroppedAndReadsGoOnToTheSocket() {
        EmbeddedChannel channel = channel(true);
        HttpContent first = chunk("one");
        HttpContent second = chunk("two");
        channel.writeInbound(first, second);
        channel.pipeline().get(RequestFlow.class).linger();
        channel.config().setAutoRead(true);
        assertEquals(0, first.content().refCnt());
        assertEquals(0, second.content().refCnt());
        assertEquals(1, socket.count, "the read that auto-read asks for");
        HttpContent later = chunk("three");
        gateway.ask();
        channel.writeInbound(later);
        assertEquals(List.of(), gateway.received);
        assertEquals(0, later.content().refCnt());
        channel.finishAndReleaseAll();
    }

    @Test
    void messagesLeftWaitingAreReleasedWhenTheConnectionEnds() {
        EmbeddedChannel channel = channel(true);
        HttpContent first = chunk("one");
        HttpContent second = chunk("two");
        channel.writeInbound(first, second);
        ByteBuf held = second.content();
        channel.close();
        assertEquals(0, held.refCnt());
        assertEquals(0, first.content().refCnt());
    }

    @Test
    void messagesLeftWaitingAreReleasedWhenTheStageGoes() {
        EmbeddedChannel channel = channel(true);
        HttpContent waiting = chunk("early");
        channel.writeInbound(waiting);
        channel.pipeline().remove(RequestFlow.class);
        assertEquals(0, waiting.content().refCnt());
        assertEquals(List.of(), gateway.received);
        channel.finishAndReleaseAll();
    }
}

package dev.caravan.gateway;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2StreamChannel;
import java.io.IOException;
import javax.net.ssl.SSLException;
import org.apache.camel.Exchange;
import org.apache.camel.spi.ExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failures a client can cause at will (a reset, a half-sent request, a broken pipe) logged at debug
 * rather than warn, so no client can flood the log: as the last handler of every client pipeline, and
 * as the listener route's consumer exception handler.
 */
@ChannelHandler.Sharable
public final class ClientFailures extends ChannelInboundHandlerAdapter implements ExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ClientFailures.class);
    static final ClientFailures INSTANCE = new ClientFailures();

    public static ClientFailures instance() {
        return INSTANCE;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (ctx.channel() instanceof Http2StreamChannel stream) {
            streamFailed(stream, cause);
            return;
        }
        log("Client connection " + ctx.channel().remoteAddress(), cause);
        if (ctx.pipeline().get(Http2FrameCodec.class) != null && Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
            // a connection error: the codec sends GOAWAY with its code and closes; closing here would send NO_ERROR
            return;
        }
        ctx.close();
    }

    /**
     * Resets the stream with a code that says why. A plain close would reset it with CANCEL, which Netty's
     * limit on the resets a client provokes does not count: a client could then have streams reset at will.
     */
    private static void streamFailed(Http2StreamChannel stream, Throwable cause) {
        log("HTTP/2 stream of " + stream.parent().remoteAddress(), cause);
        if (cause instanceof Http2Exception) {
            // a stream error of the codec's: the multiplexer resets the stream with its code right after this
            return;
        }
        Http2Exception embedded = Http2CodecUtil.getEmbeddedHttp2Exception(cause);
        Http2Error code = embedded != null ? embedded.error()
                : causedByClient(cause) ? Http2Error.PROTOCOL_ERROR : Http2Error.INTERNAL_ERROR;
        stream.writeAndFlush(new DefaultHttp2ResetFrame(code)).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    @Override
    public void handleException(Throwable exception) {
        log("Listener", exception);
    }

    @Override
    public void handleException(String message, Throwable exception) {
        log(message, exception);
    }

    @Override
    public void handleException(String message, Exchange exchange, Throwable exception) {
        log(message, exception);
    }

    private static void log(String what, Throwable failure) {
        if (causedByClient(failure)) {
            LOG.debug("{}: {}", what, failure.toString());
        } else {
            LOG.warn("{}: {}", what, failure.toString(), failure);
        }
    }

    private static boolean causedByClient(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof IOException || cause instanceof DecoderException
                    || cause instanceof PrematureChannelClosureException || cause instanceof Http2Exception
                    || cause instanceof SSLException) {
                return true;
            }
        }
        return false;
    }
}

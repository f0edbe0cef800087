package dev.caravan.gateway;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http2.Http2Exception;
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
        log("Client connection " + ctx.channel().remoteAddress(), cause);
        ctx.close();
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

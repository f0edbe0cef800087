package dev.caravan.gateway;

import dev.caravan.tls.CertificateStore;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipeline of every client connection: Caravan's own. On the HTTPS listener, TLS first, with the
 * certificate chosen by SNI (or, for an ssl-passthrough host, a relay of the raw stream to a pod), then HTTP/1.1 or, where ALPN agrees on {@code h2}, HTTP/2 with one child
 * channel per stream. Either way each request meets the same gateway: requests for pods end there;
 * the rest are aggregated and handed to camel-netty-http's consumer, which turns them into Exchanges
 * of the listener route.
 */
final class ListenerChannelInitializer extends ChannelInitializer<Channel> {

    private static final Logger LOG = LoggerFactory.getLogger(ListenerChannelInitializer.class);
    private static final int MAX_CLIENT_HELLO = 16 * 1024;
    private static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;
    private static final int MAX_CONCURRENT_STREAMS = 128;
    /** Per-stream receive window: room for uploads at speed. */
    private static final int STREAM_WINDOW = 256 * 1024;
    /** The connection's receive window: 16 streams' (4 MiB), so that a few stalled uploads stop no other stream. */
    private static final int CONNECTION_WINDOW = 16 * STREAM_WINDOW;

    private final ListenerSettings settings;
    private final Gateway gateway;
    private final CertificateStore certificates;
    private final ConnectionLimit limit;
    private final ClientProtocolFailures failures;
    /** {@code null} when nothing observes requests. */
    private final FinishedRequests finished;

    /** @param certificates the certificate for each SNI name, or {@code null} for plain HTTP */
    ListenerChannelInitializer(ListenerSettings settings, Gateway gateway, CertificateStore certificates,
            ConnectionLimit limit, ClientProtocolFailures failures) {
        this.settings = settings;
        this.failures = failures;
        this.gateway = gateway;
        this.certificates = certificates;
        this.limit = limit;
        finished = gateway.observers().isEmpty() ? null : new FinishedRequests(gateway.observers());
    }

    @Override
    protected void initChannel(Channel channel) {
        if (!limit.admit(channel)) {
            return;
        }
        if (settings.realIp().proxyProtocol()) {
            // before TLS and HTTP: the load balancer's header comes first; both handlers leave once it is read
            channel.pipeline().addLast("proxy-protocol", new HAProxyMessageDecoder());
            channel.pipeline().addLast("proxy-header", new ProxyProtocolHeader(settings.realIp()));
        }
        if (certificates == null) {
            addHttp1(channel.pipeline());
            return;
        }
        // the protocol's handlers once the first byte tells TLS from plain HTTP
        channel.pipeline().addLast("sniffer", new TlsPortSniffer(this::addPlainHttp, this::addTls,
                HANDSHAKE_TIMEOUT_MILLIS, failures));
        channel.pipeline().addLast("client-failures", ClientFailures.INSTANCE);
    }

    /** Plain HTTP on the HTTPS listener, which the gateway answers 400. */
    private void addPlainHttp(ChannelPipeline pipeline) {
        pipeline.remove("client-failures");
        addHttp1(pipeline);
    }

    /** @param helloTimeoutMillis how long the ClientHello may take to come whole */
    private void addTls(ChannelPipeline pipeline, long helloTimeoutMillis) {
        // the handshake reads by itself; the gateway takes over reading once the protocol is known
        pipeline.addBefore("client-failures", "sni", new TlsRouter(certificates, gateway, MAX_CLIENT_HELLO,
                helloTimeoutMillis, HANDSHAKE_TIMEOUT_MILLIS));
        pipeline.addBefore("client-failures", "alpn", new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
            @Override
            protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                // the protocol's handlers come with their own last handler
                ctx.pipeline().remove("client-failures");
                if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                    addHttp2(ctx.pipeline());
                } else {
                    addHttp1(ctx.pipeline());
                }
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
                // every failed handshake comes this way, with or without an exception after it, but a ClientHello that
                // never came whole, told only by the SNI handler; a client's failure (scanners, distrust of the default
                // certificate) is no event of ours to log above debug
                Throwable failed = event instanceof SslHandshakeCompletionEvent done && !done.isSuccess() ? done.cause()
                        : event instanceof SniCompletionEvent sni && sni.cause() instanceof SslHandshakeTimeoutException
                        ? sni.cause() : null;
                if (failed != null) {
                    failures.handshakeFailed(failed);
                    LOG.debug("TLS handshake with {} failed: {}", ctx.channel().remoteAddress(), failed.toString());
                }
                super.userEventTriggered(ctx, event);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                // a reset or a broken ClientHello before the protocol was chosen: the client's doing
                ClientFailures.INSTANCE.exceptionCaught(ctx, cause);
            }
        });
    }

    private void addHttp1(ChannelPipeline pipeline) {
        // reads happen when the gateway asks, which is how back-pressure and request ordering work
        pipeline.channel().config().setAutoRead(false);
        pipeline.addLast("idle", new ClientTimeouts(settings.clientBodyTimeout(), settings.clientSendTimeout(),
                settings.keepAliveTimeout(), settings.clientHeaderTimeout()));
        pipeline.addLast("codec", new ServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(settings.maxInitialLineLength()).setMaxHeaderSize(settings.maxHeaderSize())
                .setMaxChunkSize(65536)));
        addGateway(pipeline, true);
    }

    /** HTTP/2: the connection reads freely; each stream reads when its gateway asks (stream flow control). */
    private void addHttp2(ChannelPipeline pipeline) {
        Http2Connection connection = new Http2Connection(gateway.connections(), settings.clientHeaderTimeout(),
                settings.keepAliveTimeout(), CONNECTION_WINDOW, failures);
        pipeline.addLast("h2", new ClientHttp2Codec(failures)
                .initialSettings(Http2Settings.defaultSettings().maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
                        .maxHeaderListSize(settings.maxHeaderSize()).initialWindowSize(STREAM_WINDOW))
                // on drain or idle close: GOAWAY, then the open streams get this long to finish
                .gracefulShutdownTimeoutMillis(settings.drainTimeout().toMillis())
                .build());
        pipeline.addLast("streams", new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                connection.streamOpened(stream);
                stream.config().setAutoRead(false);
                ChannelPipeline streamPipeline = stream.pipeline();
                // all idle: a Camel route that never answers, as on an HTTP/1 connection
                streamPipeline.addLast("idle", new IdleStateHandler(true, settings.clientBodyTimeout().toMillis(),
                        settings.clientSendTimeout().toMillis(), settings.keepAliveTimeout().toMillis(),
                        TimeUnit.MILLISECONDS));
                streamPipeline.addLast("head", new Http2RequestHead());
                streamPipeline.addLast("codec", new Http2StreamFrameToHttpObjectCodec(true));
                streamPipeline.addLast("requests", Http2Requests.INSTANCE);
                // a stream carries one request: nothing to read ahead for
                addGateway(streamPipeline, false);
            }
        }));
        pipeline.addLast("connection", connection);
        pipeline.addLast("client-failures", ClientFailures.INSTANCE);
    }

    private void addGateway(ChannelPipeline pipeline, boolean readAhead) {
        pipeline.addLast("flow", new RequestFlow(readAhead));
        if (finished != null) {
            pipeline.addLast("recorder", new RequestRecorder(finished, settings.scheme()));
        }
        pipeline.addLast("gateway", new GatewayHandler(gateway, settings.maxCamelBodySize()));
        pipeline.addLast("aggregator", new HttpObjectAggregator(settings.maxCamelBodySize()));
        // a client gone mid-request is no news for Camel's handler, which would warn of it
        pipeline.addLast("aggregation-failures", ClientFailures.INSTANCE);
        pipeline.addLast("camel", gateway.consumers().getChannelHandler());
        pipeline.addLast("client-failures", ClientFailures.INSTANCE);
    }
}

package dev.caravan.gateway;

import dev.caravan.tls.CertificateStore;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import java.time.Duration;
import java.util.Arrays;

/**
 * An HTTP listener: a Netty server whose pipeline Caravan builds (TLS by SNI, HTTP/1.1 or HTTP/2, the
 * gateway), carrying the listener route's consumer. Binds when started.
 */
public final class HttpListener extends OwnPipelineServer<ListenerConsumers> {

    private final ListenerSettings settings;
    private final ListenerShared shared;
    private final CertificateStore certificates;
    private final ClientConnections connections;

    /** @param certificates for an HTTPS listener, the certificate of each SNI name; {@code null} for HTTP */
    public HttpListener(ListenerSettings settings, ListenerShared shared, CertificateStore certificates) {
        super(settings.host(), settings.port(), shared.workers(), "listener-" + settings.scheme());
        if (settings.tls() != (certificates != null)) {
            throw new IllegalArgumentException("an HTTPS listener needs certificates, an HTTP one none");
        }
        this.settings = settings;
        this.shared = shared;
        this.certificates = certificates;
        connections = new ClientConnections("caravan-" + settings.scheme() + "-clients");
    }

    public ListenerSettings settings() {
        return settings;
    }

    @Override
    protected ListenerConsumers newConsumers() {
        return new ListenerConsumers();
    }

    @Override
    protected ChannelInitializer<Channel> pipeline(ListenerConsumers consumers) {
        Gateway gateway = new Gateway(settings.scheme(), settings.publicPort(), shared.table(), shared.upstream(), consumers,
                settings.maxBodySize(), shared.rateLimiters(), connections, settings.httpsRedirectPort(), settings.hsts(),
                shared.observers(), shared.upgrades(), shared.interceptors(), shared.externalAuth(),
                shared.userAuthentication(), settings.underscoresInHeaders(), shared.mirrors(), settings.realIp(),
                shared.blocks(), shared.statuses(), shared.backendServerHeader());
        return new ListenerChannelInitializer(settings, gateway, certificates, shared.connections(),
                shared.protocolFailures());
    }

    /**
     * Drains listeners before they stop: every idle keep-alive connection is closed, every busy one
     * closes after its response, and this waits (at most {@code grace}) until none is left, so a
     * shutdown or rolling update cuts no request in flight.
     *
     * @return whether every connection finished within the grace period
     */
    public static boolean drain(Duration grace, HttpListener... listeners) throws InterruptedException {
        for (HttpListener listener : listeners) {
            listener.connections.drain();
        }
        long deadline = System.nanoTime() + grace.toNanos();
        while (System.nanoTime() < deadline && !Arrays.stream(listeners).allMatch(l -> l.connections.isEmpty())) {
            Thread.sleep(50);
        }
        return Arrays.stream(listeners).allMatch(l -> l.connections.isEmpty());
    }
}

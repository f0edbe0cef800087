package dev.caravan.upstream;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;

/**
 * How a pod is spoken to in TLS; also part of the connection pool's key, so connections made under
 * one trust are never reused under another.
 *
 * @param context    the client context (trusted CAs, optional client certificate)
 * @param name       the name sent by SNI and checked in the pod's certificate, or {@code null}
 * @param verifyName whether the pod's certificate must carry {@code name}
 * @param sni        whether {@code name} is sent by SNI
 */
public record UpstreamTls(SslContext context, String name, boolean verifyName, boolean sni) {

    /** The TLS handler of a connection to {@code endpoint}. */
    SslHandler handler(Channel channel, InetSocketAddress endpoint) {
        String peer = name != null ? name : endpoint.getAddress().getHostAddress();
        SslHandler handler = context.newHandler(channel.alloc(), peer, endpoint.getPort());
        SSLParameters parameters = handler.engine().getSSLParameters();
        // as nginx: SNI only with proxy-ssl-server-name, the name checked only with proxy-ssl-verify
        parameters.setServerNames(sni ? List.of(new SNIHostName(name)) : List.of());
        if (verifyName) {
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
        }
        handler.engine().setSSLParameters(parameters);
        return handler;
    }
}

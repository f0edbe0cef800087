package dev.caravan.tls;

import java.net.Socket;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The trust of a server context that asks clients for certificates: it takes whatever certificate a client sends, as
 * the gateway checks it per request and answers what nginx answers (a 400 the client can read, not a failed
 * handshake), and it names the authorities the host takes, which the handshake's CertificateRequest passes on so that
 * a client holding several certificates offers the right one.
 */
final class NamingTrustManager extends X509ExtendedTrustManager {

    private final X509Certificate[] named;

    NamingTrustManager(List<X509Certificate> named) {
        this.named = named.toArray(X509Certificate[]::new);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return named.clone();
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
        // checked per request, against the host's authorities
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        // checked per request, against the host's authorities
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        // checked per request, against the host's authorities
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
        throw new UnsupportedOperationException("a server's trust");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        throw new UnsupportedOperationException("a server's trust");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        throw new UnsupportedOperationException("a server's trust");
    }
}

package dev.caravan.testing;

import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.io.IOException;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/** TLS handshakes with the JDK's client against a loopback port, with a chosen SNI name (or none). */
public final class TlsClient {

    private TlsClient() {
    }

    /**
     * A connected socket after its handshake; {@code serverName} null sends no SNI, and
     * {@code applicationProtocols} are offered by ALPN when given.
     */
    public static SSLSocket connect(int port, String serverName, SSLContext context, String... applicationProtocols)
            throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket();
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setServerNames(serverName == null ? List.of() : List.of(new SNIHostName(serverName)));
        if (applicationProtocols.length > 0) {
            parameters.setApplicationProtocols(applicationProtocols);
        }
        socket.setSSLParameters(parameters);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        return socket;
    }

    /** HTTP over a new TLS connection. */
    public static RawHttp http(int port, String serverName, SSLContext context) throws IOException {
        return new RawHttp(connect(port, serverName, context), 20_000);
    }

    /** The certificate presented for an SNI name. */
    public static X509Certificate served(int port, String serverName) throws IOException {
        try (SSLSocket socket = connect(port, serverName, trustAll())) {
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    public static String subject(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName();
    }

    /** A client that accepts any certificate: for looking at what is presented, not for trusting it. */
    public static SSLContext trustAll() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}

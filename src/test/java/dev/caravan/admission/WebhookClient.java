package dev.caravan.admission;

import dev.caravan.testing.RawHttp;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * The API server's side of a webhook call: TLS to 127.0.0.1 trusting only the given CA (a caBundle),
 * with the Service's DNS name as SNI and as the name the certificate must carry.
 */
final class WebhookClient {

    private WebhookClient() {
    }

    /** One POST of {@code body} to /validate on a new connection. */
    static RawHttp.Response post(int port, String serverName, String caPem, byte[] body) throws IOException {
        try (RawHttp http = new RawHttp(connect(port, serverName, caPem), 10_000)) {
            http.send("POST /validate?timeout=3s HTTP/1.1\r\nHost: " + serverName + ":443\r\n"
                    + "Content-Type: application/json\r\nAccept: application/json\r\nContent-Length: " + body.length
                    + "\r\n\r\n");
            http.send(body);
            return http.read(false);
        }
    }

    static RawHttp.Response post(int port, String serverName, String caPem, String body) throws IOException {
        return post(port, serverName, caPem, body.getBytes(StandardCharsets.UTF_8));
    }

    static SSLSocket connect(int port, String serverName, String caPem) throws IOException {
        SSLSocket socket = (SSLSocket) trusting(caPem).getSocketFactory().createSocket();
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(serverName)));
        // as Go's client: the certificate must be for the name asked, whatever address was dialled
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(parameters);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        return socket;
    }

    private static SSLContext trusting(String caPem) {
        try {
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            trusted.setCertificateEntry("ca", CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII))));
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

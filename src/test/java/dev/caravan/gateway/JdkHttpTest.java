package dev.caravan.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

/** The side calls' requests as they go on the wire, read raw (a Netty aggregator would add a Content-Length). */
class JdkHttpTest {

    private static String sent(String method) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.7"))) {
            CompletableFuture<String> head = CompletableFuture.supplyAsync(() -> {
                try (Socket socket = server.accept()) {
                    InputStream in = socket.getInputStream();
                    ByteArrayOutputStream read = new ByteArrayOutputStream();
                    while (!read.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
                        int b = in.read();
                        if (b < 0) {
                            break;
                        }
                        read.write(b);
                    }
                    socket.getOutputStream().write("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    return read.toString(StandardCharsets.ISO_8859_1);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpRequest request = JdkHttp.bodiless(HttpRequest.newBuilder(URI.create("http://127.0.0.7:"
                    + server.getLocalPort() + "/check")), method).build();
            assertThat(client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(204);
            return head.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    @EnabledForJreRange(min = JRE.JAVA_19, disabledReason = "the JDK's client sends Content-Length: 0 on GET before 19")
    void aGetOrDeleteWithoutBodyHasNoContentLengthAsNginxSendsThem() throws Exception {
        assertThat(sent("GET")).startsWith("GET /check HTTP/1.1").doesNotContainIgnoringCase("content-length");
        assertThat(sent("DELETE")).startsWith("DELETE /check HTTP/1.1").doesNotContainIgnoringCase("content-length");
    }

    @Test
    void aFailureIsSaidByWhatIsMostTellingInItsChain() {
        ConnectException handshake = new ConnectException("wrapped");
        handshake.initCause(new SSLHandshakeException("PKIX path building failed"));
        assertThat(JdkHttp.why(new CompletionException(handshake))).isEqualTo("TLS: PKIX path building failed");
        ConnectException unresolved = new ConnectException();
        unresolved.initCause(new UnresolvedAddressException());
        assertThat(JdkHttp.why(new CompletionException(unresolved))).isEqualTo("unknown host");
        assertThat(JdkHttp.why(new CompletionException(new ConnectException()))).isEqualTo("cannot connect");
        assertThat(JdkHttp.why(new HttpTimeoutException("request timed out"))).isEqualTo("timed out");
        assertThat(JdkHttp.why(new CompletionException(new IOException("closed")))).isEqualTo("IOException: closed");
    }

    @Test
    void aGetOrDeleteIsBuiltWithoutABodyAtAll() {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.7/check"));
        assertThat(JdkHttp.bodiless(builder, "GET").build().bodyPublisher()).isEmpty();
        assertThat(JdkHttp.bodiless(builder, "DELETE").build().bodyPublisher()).isEmpty();
        assertThat(JdkHttp.bodiless(builder, "POST").build().bodyPublisher()).isPresent();
    }

    @Test
    void otherMethodsWithoutBodySayTheirLengthIsNought() throws Exception {
        assertThat(sent("POST")).startsWith("POST /check HTTP/1.1").containsIgnoringCase("content-length: 0");
    }
}

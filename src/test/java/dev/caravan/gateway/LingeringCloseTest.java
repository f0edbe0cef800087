package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.TestBackend;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An answer given before the request body was read (413) reaches a client still sending that body. */
class LingeringCloseTest {

    private static final int BODY = 32 * 1024 * 1024;

    @TempDir
    Path manifests;

    @Test
    void aClientStillUploadingReads413AndCanFinishSendingWithoutAReset() throws Exception {
        uploadAfter("", "HTTP/1.1 413 Request Entity Too Large", false);
    }

    /** A chunked body is found too large as it comes, once it is on its way to the pod: 413 all the same, no reset. */
    @Test
    void aChunkedUploadOutgrowingProxyBodySizeReads413AndCanFinishSendingWithoutAReset() throws Exception {
        uploadAfter("", "HTTP/1.1 413 Request Entity Too Large", true);
    }

    /** The upload's head came pipelined behind a request, so it waited in the gateway's flow stage when answered. */
    @Test
    void aPipelinedUploadAnswered413IsDrainedToo() throws Exception {
        uploadAfter("GET /first HTTP/1.1\r\nHost: small.example.test\r\n\r\n", "HTTP/1.1 200 OK", false);
    }

    /** A Camel route (here the built-in default backend's) takes 1 MiB at most: a larger body gets 413, not a reset. */
    @Test
    void anUploadTooLargeForACamelRouteReads413AndNoReset() throws Exception {
        try (CaravanHarness caravan = CaravanHarness.start(manifests)) {
            for (boolean chunked : new boolean[] {true, false}) {
                try (Socket client = new Socket("127.0.0.1", caravan.httpPort())) {
                    client.setSoTimeout(10_000);
                    OutputStream out = client.getOutputStream();
                    out.write(("POST /upload HTTP/1.1\r\nHost: nobody.example.test\r\n"
                            + (chunked ? "Transfer-Encoding: chunked" : "Content-Length: " + BODY) + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    CompletableFuture<Void> upload = CompletableFuture.runAsync(() -> {
                        try {
                            byte[] chunk = new byte[64 * 1024];
                            byte[] size = (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                            for (int sent = 0; sent < BODY; sent += chunk.length) {
                                if (chunked) {
                                    out.write(size);
                                }
                                out.write(chunk);
                                if (chunked) {
                                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                                }
                            }
                        } catch (Exception e) {
                            throw new IllegalStateException("reset while sending: " + e, e);
                        }
                    });
                    BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(),
                            StandardCharsets.US_ASCII));
                    assertThat(in.readLine()).as(chunked ? "chunked" : "Content-Length")
                            .isEqualTo("HTTP/1.1 413 Request Entity Too Large");
                    upload.get(LingeringClose.LINGER_MILLIS - 1000, TimeUnit.MILLISECONDS);
                }
            }
        }
    }

    /**
     * Sends {@code before} and an upload's head in one write, then the upload's body whatever the answers; the
     * first answer's status line is {@code firstStatus}, and the upload's is 413.
     */
    private void uploadAfter(String before, String firstStatus, boolean chunked) throws Exception {
        try (TestBackend pod = TestBackend.start("127.0.0.2", "pod")) {
            write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                    Manifests.ingress("small", "small.example.test", "/", "svc",
                            Map.of("nginx.ingress.kubernetes.io/proxy-body-size", "1k"))));
            try (CaravanHarness caravan = CaravanHarness.start(manifests);
                    Socket client = new Socket("127.0.0.1", caravan.httpPort())) {
                client.setSoTimeout(10_000);
                OutputStream out = client.getOutputStream();
                out.write((before + "POST /upload HTTP/1.1\r\nHost: small.example.test\r\n"
                        + (chunked ? "Transfer-Encoding: chunked" : "Content-Length: " + BODY) + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                // the client sends its body whatever the answer, as many do
                CompletableFuture<Void> upload = CompletableFuture.runAsync(() -> {
                    try {
                        byte[] chunk = new byte[64 * 1024];
                        byte[] size = (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                        for (int sent = 0; sent < BODY; sent += chunk.length) {
                            if (chunked) {
                                out.write(size);
                            }
                            out.write(chunk);
                            if (chunked) {
                                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                            }
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException("reset while sending: " + e, e);
                    }
                });
                BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(),
                        StandardCharsets.US_ASCII));
                assertThat(in.readLine()).isEqualTo(firstStatus);
                if (!before.isEmpty()) {
                    String line = in.readLine();
                    while (line != null && !line.contains("HTTP/1.1 ")) {
                        // the rest of the first answer, whose body ends with no line break
                        line = in.readLine();
                    }
                    assertThat(line).endsWith("HTTP/1.1 413 Request Entity Too Large");
                }
                // Caravan read and dropped the rest instead of resetting the connection under the client
                upload.get(LingeringClose.LINGER_MILLIS - 1000, TimeUnit.MILLISECONDS);
                while (in.readLine() != null) {
                    // the rest of the answer, then Caravan's FIN
                }
            }
        }
    }
}

package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * limit-rate and limit-rate-after: a response's body reaches the client no faster than the pace, after its first
 * bytes, and whole. Only a lower bound on the time is asserted: the pace is what is promised, not a speed.
 */
class ResponsePaceTest {

    private static final String P = "nginx.ingress.kubernetes.io/";
    private static final int BODY = 256 * 1024;
    private static final int SHORT = 96 * 1024;

    @TempDir
    Path manifests;
    TestBackend pod;
    CaravanHarness caravan;

    @BeforeEach
    void start() throws Exception {
        pod = TestBackend.start("127.0.0.2", "pod");
        pod.respond(request -> {
            FullHttpResponse response = TestBackend.text(HttpResponseStatus.OK, "x".repeat(BODY));
            if (request.uri().contains("short")) {
                response = TestBackend.text(HttpResponseStatus.OK, "y".repeat(SHORT));
            }
            if (request.uri().contains("close")) {
                // the pod closes once its body is out: Netty then reads it to the end, whatever the pace asks
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            return response;
        });
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                // 64 KiB free, then 192 KiB at 64 KiB/s, a second of it credit, as nginx: 2 s
                Manifests.ingress("paced", "paced.test", "/", "svc", Map.of(P + "limit-rate", "64",
                        P + "limit-rate-after", "64")),
                Manifests.ingress("free", "free.test", "/", "svc", Map.of(P + "limit-rate", "0")),
                Manifests.ingress("slow", "slow.test", "/", "svc", Map.of(P + "limit-rate", "32"))));
        caravan = CaravanHarness.start(manifests);
    }

    @AfterEach
    void stop() throws Exception {
        caravan.close();
        pod.close();
    }

    private static long timedBody(CaravanHarness caravan, String host, int[] length) throws Exception {
        return timedBody(caravan, host, "/", length);
    }

    private static long timedBody(CaravanHarness caravan, String host, String path, int[] length) throws Exception {
        long start = System.nanoTime();
        try (RawHttp client = new RawHttp(caravan.httpPort(), 30_000)) {
            client.send("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
            RawHttp.Response response = client.read(false);
            assertThat(response.status()).isEqualTo(200);
            length[0] = response.body().length;
        }
        return System.nanoTime() - start;
    }

    @Test
    void aPacedBodyTakesAtLeastWhatItsPaceSaysAndArrivesWhole() throws Exception {
        int[] length = new int[1];
        long paced = timedBody(caravan, "paced.test", length);
        assertThat(length[0]).isEqualTo(BODY);
        assertThat(paced).as("192 KiB at 64 KiB/s").isGreaterThanOrEqualTo(1_900_000_000L);
        // each response has its pace: a second one on its own connection is paced from its own start
        paced = timedBody(caravan, "paced.test", length);
        assertThat(length[0]).isEqualTo(BODY);
        assertThat(paced).isGreaterThanOrEqualTo(1_900_000_000L);
        timedBody(caravan, "free.test", length);
        assertThat(length[0]).isEqualTo(BODY);
    }

    @Test
    void aLongPieceGoesOutAsThePaceAllowsNotInABurstAfterASilence() throws Exception {
        // a large response first, so that the pooled connection's reads have grown to 64 KiB pieces
        int[] length = new int[1];
        timedBody(caravan, "free.test", length);
        assertThat(length[0]).isEqualTo(BODY);
        try (Socket socket = new Socket("127.0.0.1", caravan.httpPort())) {
            socket.setSoTimeout(30_000);
            long start = System.nanoTime();
            socket.getOutputStream().write("GET /short HTTP/1.1\r\nHost: slow.test\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            long twoThirds = 0;
            int read;
            while ((read = in.read(buffer)) > 0) {
                received.write(buffer, 0, read);
                if (twoThirds == 0 && received.toString(StandardCharsets.ISO_8859_1).replaceFirst("(?s)^.*?\r\n\r\n", "")
                        .length() >= SHORT * 2 / 3) {
                    twoThirds = System.nanoTime() - start;
                }
            }
            long whole = System.nanoTime() - start;
            String response = received.toString(StandardCharsets.ISO_8859_1);
            assertThat(response).startsWith("HTTP/1.1 200").endsWith("y".repeat(SHORT));
            // 96 KiB at 32 KiB/s with a second's credit: 32 KiB at once, 64 KiB by the first second, the rest by the
            // second; the pod's last piece (~62 KiB here) sent whole would wait for the end, and two thirds with it
            assertThat(whole).as("64 KiB beyond the credit at 32 KiB/s").isGreaterThanOrEqualTo(1_900_000_000L);
            assertThat(whole - twoThirds).as("two thirds arrive well before the rest").isGreaterThan(500_000_000L);
        }
    }

    @Test
    void aPodThatClosesAfterItsBodyIsPacedAllTheSame() throws Exception {
        int[] length = new int[1];
        for (int i = 0; i < 2; i++) {
            long paced = timedBody(caravan, "paced.test", "/close", length);
            assertThat(length[0]).isEqualTo(BODY);
            assertThat(paced).isGreaterThanOrEqualTo(1_900_000_000L);
        }
        // a client that gives up mid-way leaves Caravan serving
        try (RawHttp client = new RawHttp(caravan.httpPort(), 30_000)) {
            client.send("GET /close HTTP/1.1\r\nHost: paced.test\r\n\r\n");
        }
        timedBody(caravan, "free.test", length);
        assertThat(length[0]).isEqualTo(BODY);
    }
}

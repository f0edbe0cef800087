package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.TestBackend;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bounded fuzz of the request parser and gateway: valid requests mutated with a fixed seed, each
 * sent on its own connection. Every answer must be a well-formed HTTP response or a close, never a
 * hang; and Caravan must still serve afterwards.
 */
class RequestFuzzTest {

    private static final int CASES = 2000;
    private static final long SEED = 20261125L;
    private static final String[] VALID = {
        "GET /path?q=1 HTTP/1.1\r\nHost: fuzz.example.test\r\nAccept: */*\r\n\r\n",
        "POST /form HTTP/1.1\r\nHost: fuzz.example.test\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world",
        "PUT /chunks HTTP/1.1\r\nHost: fuzz.example.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
        "GET / HTTP/1.0\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: fuzz.example.test\r\n\r\nGET /b HTTP/1.1\r\nHost: fuzz.example.test\r\n\r\n",
        "GET /ws HTTP/1.1\r\nHost: fuzz.example.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
    };
    private static final String[] TOKENS = {"\r\n", "\n", "\r", " ", ":", "\0", "\u00ff", "Content-Length: 5\r\n",
        "Transfer-Encoding: chunked\r\n", "Content-Length: -1\r\n", "Content-Length: 99999999999999999999\r\n",
        "Host: other\r\n", " folded\r\n", "%00", "../", "HTTP/9.9", "\t", "ff\r\n", "0\r\n\r\n", "\"", "Connection: close\r\n"};

    @TempDir
    Path manifests;

    @Test
    void mutatedRequestsGetAnHttpAnswerOrACloseAndCaravanSurvives() throws Exception {
        try (TestBackend pod = TestBackend.start("127.0.0.2", "pod")) {
            write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                    Manifests.ingress("fuzz", "fuzz.example.test", "/", "svc")));
            try (CaravanHarness caravan = CaravanHarness.start(manifests, "--client-header-timeout", "2",
                    "--client-body-timeout", "2")) {
                Random random = new Random(SEED);
                Map<String, Integer> outcomes = new TreeMap<>();
                List<String> hangs = new ArrayList<>();
                for (int i = 0; i < CASES; i++) {
                    byte[] request = mutate(VALID[random.nextInt(VALID.length)].getBytes(StandardCharsets.ISO_8859_1),
                            random);
                    String outcome = send(caravan.httpPort(), request);
                    if (outcome == null) {
                        hangs.add(new String(request, StandardCharsets.ISO_8859_1));
                    } else {
                        outcomes.merge(outcome, 1, Integer::sum);
                    }
                }
                assertThat(hangs).as("requests answered by neither a response nor a close").isEmpty();
                assertThat(outcomes.keySet()).as("every answer an HTTP/1.1 status line or a close")
                        .allMatch(outcome -> outcome.equals("close") || outcome.matches("HTTP/1\\.1 [1-5]\\d\\d"));
                assertThat(outcomes).containsKey("HTTP/1.1 400");
                assertThat(caravan.get("fuzz.example.test", "/after").status()).isEqualTo(200);
                assertThat(caravan.caravan().readiness().ready()).isTrue();
            }
        }
    }

    /** One to three mutations: a byte flipped, a token inserted, a span deleted or duplicated. */
    private static byte[] mutate(byte[] request, Random random) {
        byte[] current = request;
        int mutations = 1 + random.nextInt(3);
        for (int m = 0; m < mutations; m++) {
            int at = random.nextInt(current.length);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            switch (random.nextInt(4)) {
                case 0 -> {
                    current = current.clone();
                    current[at] = (byte) random.nextInt(256);
                    continue;
                }
                case 1 -> {
                    out.write(current, 0, at);
                    out.writeBytes(TOKENS[random.nextInt(TOKENS.length)].getBytes(StandardCharsets.ISO_8859_1));
                    out.write(current, at, current.length - at);
                }
                case 2 -> {
                    int end = Math.min(current.length, at + 1 + random.nextInt(8));
                    out.write(current, 0, at);
                    out.write(current, end, current.length - end);
                }
                default -> {
                    int end = Math.min(current.length, at + 1 + random.nextInt(16));
                    out.write(current, 0, end);
                    out.write(current, at, current.length - at);
                }
            }
            current = out.toByteArray();
            if (current.length == 0) {
                current = request;
            }
        }
        return current;
    }

    /** The first line of the answer, "close" for a close without one, or null for a hang. */
    private static String send(int port, byte[] request) throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            socket.setSoTimeout(6000);
            try {
                socket.getOutputStream().write(request);
                socket.getOutputStream().flush();
                socket.shutdownOutput();
            } catch (java.io.IOException closedEarly) {
                // the server may close while we write a request it already refused
            }
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            try {
                for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
                    line.write(b);
                }
            } catch (SocketTimeoutException hang) {
                return null;
            } catch (java.io.IOException reset) {
                return "close";
            }
            String first = line.toString(StandardCharsets.ISO_8859_1).trim();
            if (first.isEmpty()) {
                return "close";
            }
            return first.length() >= 12 ? first.substring(0, 12) : first;
        }
    }
}

package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTP/1.1 as clients use it: keep-alive, pipelining, HTTP/1.0, HEAD, large bodies both ways. */
class HttpFidelityTest {

    @TempDir
    static Path manifests;
    static TestBackend pod;
    static CaravanHarness caravan;

    @BeforeAll
    static void start() throws Exception {
        pod = TestBackend.start("127.0.0.2", "pod");
        write(manifests, "all.yaml", Manifests.ingressClass() + "---\n" + Manifests.service("svc", pod) + "---\n"
                + Manifests.ingress("app", "app.example.com", "/", "svc",
                        java.util.Map.of("nginx.ingress.kubernetes.io/proxy-body-size", "64m")));
        caravan = CaravanHarness.start(manifests);
    }

    @AfterAll
    static void stop() throws Exception {
        caravan.close();
        pod.close();
    }

    @AfterEach
    void reset() {
        pod.respond(request -> TestBackend.text(HttpResponseStatus.OK, "pod"));
    }

    @Test
    void keepAliveClientRequestsReuseOnePooledUpstreamConnection() throws Exception {
        int before = pod.seen().size();
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            for (int i = 0; i < 20; i++) {
                http.send("GET /" + i + " HTTP/1.1\r\nHost: app.example.com\r\n\r\n");
                assertThat(http.read(false).text()).isEqualTo("pod");
            }
        }
        var ports = pod.seen().subList(before, pod.seen().size()).stream().map(s -> s.remote().getPort()).distinct();
        assertThat(ports.count()).isEqualTo(1);
    }

    @Test
    void headersWithUnderscoresAreDroppedAsIngressNginxDropsThemUnlessEnabled() throws Exception {
        String request = "GET /u HTTP/1.1\r\nHost: app.example.com\r\nX_Forwarded_For: 203.0.113.9\r\n"
                + "x_real_ip: 203.0.113.9\r\nX-Custom-Header: kept\r\n\r\n";
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send(request);
            assertThat(http.read(false).status()).isEqualTo(200);
        }
        assertThat(pod.last().headers().names()).noneMatch(name -> name.contains("_"));
        assertThat(pod.last().headers().get("X-Custom-Header")).isEqualTo("kept");
        try (CaravanHarness enabled = CaravanHarness.start(manifests, "--enable-underscores-in-headers");
                RawHttp http = new RawHttp(enabled.httpPort())) {
            http.send(request);
            assertThat(http.read(false).status()).isEqualTo(200);
            assertThat(pod.last().headers().get("X_Forwarded_For")).isEqualTo("203.0.113.9");
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        pod.respond(request -> TestBackend.text(HttpResponseStatus.OK, request.uri()));
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("GET /1 HTTP/1.1\r\nHost: app.example.com\r\n\r\n"
                    + "GET /nowhere HTTP/1.1\r\nHost: unknown.example.com\r\n\r\n"
                    + "GET /3 HTTP/1.1\r\nHost: app.example.com\r\n\r\n");
            assertThat(http.read(false).text()).isEqualTo("/1");
            assertThat(http.read(false).status()).isEqualTo(404);
            assertThat(http.read(false).text()).isEqualTo("/3");
        }
    }

    @Test
    void http10ClientGetsACompleteResponseAndAClose() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("GET /old HTTP/1.0\r\nHost: app.example.com\r\n\r\n");
            RawHttp.Response response = http.read(false);
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.text()).isEqualTo("pod");
            assertThat(http.closedByPeer()).isTrue();
        }
        assertThat(pod.last().headers().get("Host")).isEqualTo("app.example.com");
    }

    @Test
    void http10WithoutHostIsAnsweredAsNoRulesRequest() throws Exception {
        // HTTP/1.0 needs no Host; only a rule without a host could serve it, and here none does: the default backend
        // answers, as nginx's default server; HAProxy's default health check is such a request
        for (String method : new String[] {"GET", "OPTIONS"}) {
            try (RawHttp http = new RawHttp(caravan.httpPort())) {
                http.send(method + " / HTTP/1.0\r\n\r\n");
                assertThat(http.read(false).status()).as(method).isEqualTo(404);
            }
        }
    }

    @Test
    void chunkedResponseToHttp10ClientIsDelimitedByClose() throws Exception {
        pod.respond(request -> {
            var response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.copiedBuffer("streamed", StandardCharsets.UTF_8));
            HttpUtil.setTransferEncodingChunked(response, true);
            return response;
        });
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("GET / HTTP/1.0\r\nHost: app.example.com\r\n\r\n");
            RawHttp.Response response = http.read(false);
            assertThat(response.header("Transfer-Encoding")).isNull();
            assertThat(response.text()).isEqualTo("streamed");
        }
    }

    @Test
    void connectionCloseIsHonoured() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("GET / HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n");
            RawHttp.Response response = http.read(false);
            assertThat(response.header("Connection")).isEqualToIgnoringCase("close");
            assertThat(http.closedByPeer()).isTrue();
        }
    }

    @Test
    void headResponseHasHeadersButNoBody() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("HEAD / HTTP/1.1\r\nHost: app.example.com\r\n\r\n");
            RawHttp.Response head = http.read(true);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Length")).isEqualTo("3");
            http.send("GET / HTTP/1.1\r\nHost: app.example.com\r\n\r\n");
            assertThat(http.read(false).text()).isEqualTo("pod");
            // the listener route's 404 to a HEAD: its body is not sent either
            http.send("HEAD / HTTP/1.1\r\nHost: nobody.example.com\r\n\r\n");
            assertThat(http.read(true).status()).isEqualTo(404);
            http.send("GET / HTTP/1.1\r\nHost: app.example.com\r\n\r\n");
            assertThat(http.read(false).text()).isEqualTo("pod");
        }
        assertThat(pod.last().method()).isEqualTo("GET");
    }

    @Test
    void missingHostOnHttp11IsABadRequest() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("GET / HTTP/1.1\r\n\r\n");
            assertThat(http.read(false).status()).isEqualTo(400);
            assertThat(http.closedByPeer()).isTrue();
        }
    }

    @Test
    void largeChunkedUploadAndLargeDownloadPassThrough() throws Exception {
        int size = 16 << 20;
        byte[] big = new byte[size];
        Arrays.fill(big, (byte) 'x');
        pod.respond(request -> {
            var response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.wrappedBuffer(big));
            response.headers().set(HttpHeaderNames.CONTENT_LENGTH, size);
            return response;
        });
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("POST /upload HTTP/1.1\r\nHost: app.example.com\r\nTransfer-Encoding: chunked\r\n\r\n");
            OutputStream out = http.output();
            byte[] chunk = new byte[64 * 1024];
            Arrays.fill(chunk, (byte) 'y');
            for (int i = 0; i < 128; i++) {
                out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(chunk);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            RawHttp.Response response = http.read(false);
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).hasSize(size);
        }
        assertThat(pod.last().bodyLength()).isEqualTo(128 * 64 * 1024);
    }
}

package dev.caravan.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.caravan.routing.RoutePolicy;
import dev.caravan.routing.UrlTemplate;
import dev.caravan.testing.TestBackend;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the copies hold while they wait and are under way: every path gives back what it took. */
class RequestMirrorsTest {

    private final RequestMirrors mirrors = new RequestMirrors(Duration.ofSeconds(2));

    @AfterEach
    void close() {
        mirrors.close();
    }

    private static RoutePolicy.Mirror to(String url) {
        return new RoutePolicy.Mirror(UrlTemplate.parse(url + "$request_uri"), "shadow.test", true);
    }

    private RequestMirrors.Copy start(RoutePolicy.Mirror mirror, long maxBody) {
        return mirrors.start(mirror, "POST", new DefaultHttpHeaders(),
                new UrlTemplate.Request("http", "shop.test", "/upload", "/upload"), maxBody);
    }

    private static HttpContent piece(int bytes) {
        return new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[bytes]));
    }

    @Test
    void bodiesAreCountedUntilTheCopyIsAnsweredAndGivenBackWhenItIsNotMade() throws Exception {
        try (TestBackend mirror = TestBackend.start("127.0.0.5", "mirror")) {
            RequestMirrors.Copy copy = start(to("http://127.0.0.5:" + mirror.port()), 0);
            HttpContent first = piece(1000);
            copy.content(first);
            assertThat(first.refCnt()).as("the caller's piece, untouched").isEqualTo(1);
            first.release();
            assertThat(mirrors.heldBodyBytes()).isEqualTo(1000);
            copy.content(new DefaultLastHttpContent(Unpooled.wrappedBuffer(new byte[24])));
            await().atMost(Duration.ofSeconds(10)).until(() -> !mirror.seen().isEmpty());
            assertThat(mirror.last().bodyLength()).isEqualTo(1024);
            assertThat(mirror.last().headers().get("Content-Length")).isEqualTo("1024");
            await().atMost(Duration.ofSeconds(10)).until(() -> mirrors.inFlight() == 0 && mirrors.heldBodyBytes() == 0);

            // a request that ends before its body: nothing kept, nothing sent
            RequestMirrors.Copy cut = start(to("http://127.0.0.5:" + mirror.port()), 0);
            cut.content(piece(500));
            cut.abandon("closed");
            cut.content(LastHttpContent.EMPTY_LAST_CONTENT);
            assertThat(mirrors.heldBodyBytes()).isZero();

            // over proxy-body-size, and over the copies' own limit: not made
            RequestMirrors.Copy refused = start(to("http://127.0.0.5:" + mirror.port()), 100);
            refused.content(piece(101));
            refused.content(LastHttpContent.EMPTY_LAST_CONTENT);
            RequestMirrors.Copy large = start(to("http://127.0.0.5:" + mirror.port()), 0);
            large.content(piece(RequestMirrors.MAX_BODY));
            large.content(piece(1));
            large.content(LastHttpContent.EMPTY_LAST_CONTENT);
            assertThat(mirrors.heldBodyBytes()).isZero();
            assertThat(mirrors.inFlight()).isZero();
            Thread.sleep(200);
            assertThat(mirror.seen()).hasSize(1);
        }
    }

    @Test
    void aTargetThatNeverAnswersTakesNoMoreThanItsShareOfTheCopiesUnderWay() throws Exception {
        // connections wait in the listen queue, never accepted: each copy waits for its answer
        try (ServerSocket silent = new ServerSocket(0, 400, InetAddress.getByName("127.0.0.8"));
                TestBackend healthy = TestBackend.start("127.0.0.9", "mirror")) {
            RoutePolicy.Mirror hung = to("http://127.0.0.8:" + silent.getLocalPort());
            for (int i = 0; i < RequestMirrors.MAX_PER_TARGET + 5; i++) {
                start(hung, 0).content(LastHttpContent.EMPTY_LAST_CONTENT);
            }
            assertThat(mirrors.inFlight()).isEqualTo(RequestMirrors.MAX_PER_TARGET);
            start(to("http://127.0.0.9:" + healthy.port()), 0).content(LastHttpContent.EMPTY_LAST_CONTENT);
            await().atMost(Duration.ofSeconds(10)).until(() -> !healthy.seen().isEmpty());
            assertThat(healthy.last().uri()).isEqualTo("/upload");
        }
    }

    @Test
    void anAnswerThatNeverEndsIsNotReadAndGivesItsPlaceBackOnceItsHeadIsIn() throws Exception {
        try (ServerSocket streaming = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.6"))) {
            Thread server = new Thread(() -> {
                try (Socket socket = streaming.accept()) {
                    socket.getInputStream().read(new byte[4096]);
                    OutputStream out = socket.getOutputStream();
                    out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    for (int i = 0; i < 300; i++) {
                        out.write("5\r\nevent\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        Thread.sleep(100);
                    }
                } catch (Exception closed) {
                    // the copy's connection was closed: what is asked
                }
            });
            server.setDaemon(true);
            server.start();
            RequestMirrors.Copy copy = start(to("http://127.0.0.6:" + streaming.getLocalPort()), 0);
            copy.content(LastHttpContent.EMPTY_LAST_CONTENT);
            await().atMost(Duration.ofSeconds(10)).until(() -> mirrors.inFlight() == 0);
            server.join(10_000);
            assertThat(server.isAlive()).as("the stream's connection was closed").isFalse();
        }
    }
}

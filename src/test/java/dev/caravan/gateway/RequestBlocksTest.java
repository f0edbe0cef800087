package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --block-cidrs, --block-user-agents, --block-referers: ingress-nginx's global filters, 403 before anything else. */
class RequestBlocksTest {

    private static HttpHeaders headers(String userAgent, String referer) {
        HttpHeaders headers = new DefaultHttpHeaders();
        if (userAgent != null) {
            headers.set("User-Agent", userAgent);
        }
        if (referer != null) {
            headers.set("Referer", referer);
        }
        return headers;
    }

    @Test
    void valuesAreMatchedAsNginxsMapMatchesThem() {
        RequestBlocks blocks = RequestBlocks.of("192.0.2.0/24", "~*badbot, curl/7.1, ~^$", "~spam\\.example");
        InetSocketAddress client = new InetSocketAddress("203.0.113.1", 1);
        assertThat(blocks.blocks(new InetSocketAddress("192.0.2.9", 1), headers("Mozilla", null))).isTrue();
        assertThat(blocks.blocks(client, headers("Mozilla/5.0 (compatible; BadBot/2.1)", null))).isTrue();
        // a plain value is the whole value, ignoring case
        assertThat(blocks.blocks(client, headers("CURL/7.1", null))).isTrue();
        assertThat(blocks.blocks(client, headers("curl/7.10", null))).isFalse();
        // no User-Agent is an empty one
        assertThat(blocks.blocks(client, headers(null, null))).isTrue();
        // every line counts: a harmless first one hides nothing
        HttpHeaders twoLines = headers("fine", null);
        twoLines.add("User-Agent", "Evil BADBOT");
        assertThat(blocks.blocks(client, twoLines)).isTrue();
        // ~ is case-sensitive
        assertThat(blocks.blocks(client, headers("Mozilla", "https://spam.example/x"))).isTrue();
        assertThat(blocks.blocks(client, headers("Mozilla", "https://SPAM.example/x"))).isFalse();
        assertThat(RequestBlocks.of(null, " , ", null)).isNull();
        assertThatThrownBy(() -> RequestBlocks.of(null, "~*(unclosed", null))
                .hasMessageStartingWith("'~*(unclosed' is not a regular expression");
    }

    @TempDir
    Path manifests;

    @Test
    void blockedRequestsGet403WhateverTheyAskFor() throws Exception {
        TestBackend pod = TestBackend.start("127.0.0.2", "pod");
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                Manifests.ingress("open", "open.test", "/", "svc")));
        try (CaravanHarness caravan = CaravanHarness.start(manifests, "--block-cidrs", "127.0.0.9",
                "--block-user-agents", "~*scanner", "--block-referers", "https://spam.example/")) {
            assertThat(get(caravan, "127.0.0.1", "open.test", "Mozilla", null)).isEqualTo(200);
            assertThat(get(caravan, "127.0.0.9", "open.test", "Mozilla", null)).isEqualTo(403);
            assertThat(get(caravan, "127.0.0.1", "open.test", "Mass Scanner 1.0", null)).isEqualTo(403);
            assertThat(get(caravan, "127.0.0.1", "open.test", "Mozilla", "https://spam.example/")).isEqualTo(403);
            // what no rule serves too
            assertThat(get(caravan, "127.0.0.9", "nowhere.test", "Mozilla", null)).isEqualTo(403);
            assertThat(pod.seen()).hasSize(1);
        } finally {
            pod.close();
        }
    }

    private static int get(CaravanHarness caravan, String from, String host, String userAgent, String referer)
            throws Exception {
        try (RawHttp client = new RawHttp(RawHttp.connectFrom(from, caravan.httpPort()), 10_000)) {
            client.send("GET / HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: " + userAgent + "\r\n"
                    + (referer == null ? "" : "Referer: " + referer + "\r\n") + "\r\n");
            return client.read(false).status();
        }
    }
}

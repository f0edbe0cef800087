package dev.caravan.routing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestPathTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(nullValues = "NULL", value = {
        "/, /",
        "/api/items, /api/items",
        "/api/../admin, /admin",
        "/api/./items, /api/items",
        "/api//items, /api/items",
        "//api, /api",
        "/api/, /api/",
        "/api/., /api/",
        "/api/.., /",
        "/a/b/../../c/, /c/",
        "/%61pi/items, /api/items",
        "/api/%2e%2e/admin, /admin",
        // as nginx: an escaped slash separates segments, and takes part in resolving dots
        "/a%2Fb, /a/b",
        "/a%2fb, /a/b",
        "/admin%2Fsecret.txt, /admin/secret.txt",
        "/x/..%2Fadmin%2Fsecret.txt, /admin/secret.txt",
        "/a%2F%2Fb, /a/b",
        "/a%2F..%2F..%2Fb, NULL",
        "/100%25, /100%25",
        "/caf%C3%A9, /café",
        // the decoder gives one char per byte: raw UTF-8 bytes spell what their escapes do
        "/caf\u00c3\u00a9, /café",
        "/caf\u00c3%A9, /café",
        "/.., NULL",
        "/a/../.., NULL",
        "/%zz, NULL",
        "/abc%4, NULL",
        // an escaped NUL: nginx's 400
        "/a%00b, NULL",
        "relative, NULL",
    })
    void normalizesLikeNginxBeforeMatching(String raw, String expected) {
        assertThat(RequestPath.normalize(raw)).isEqualTo(expected);
    }
}

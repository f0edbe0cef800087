package dev.caravan.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PercentEncodingTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "/a/b?c=d&e=%2F          | /a/b?c=d&e=%2F",
        "/caf\u00c3\u00a9        | /caf%C3%A9",
        "/\u00c2\u0085           | /%C2%85",
        "'/a\"<>\\^`{}[]'        | /a%22%3C%3E%5C%5E%60%7B%7D%5B%5D",
        "/%zz?q=%2               | /%25zz?q=%252",
        "/%4g%41                 | /%254g%41",
        "/ok%                    | /ok%25",
    })
    void aTargetKeepsItsEscapesAndQueryAndEscapesEachByteAUrlCannotHold(String raw, String escaped) {
        assertThat(PercentEncoding.url(raw)).isEqualTo(escaped);
        assertThat(URI.create("http://h" + escaped).getRawPath()).isNotNull();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "/café/x         | /caf%C3%A9/x",
        "/a b?c#d        | /a%20b%3Fc%23d",
        "/a[1]           | /a[1]",
        "/kept%2Fslash   | /kept%2Fslash",
        "/\u00e4\u00f6   | /%C3%A4%C3%B6",
    })
    void aDecodedPathIsEscapedAsItsUtf8AndStaysAPath(String decoded, String escaped) {
        assertThat(PercentEncoding.path(decoded)).isEqualTo(escaped);
        assertThat(URI.create("http://h" + PercentEncoding.url(escaped)).getQuery()).isNull();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = ';', value = {
        "/a|b?c=[1]&d=%zz         ; /a|b?c=[1]&d=%zz",
        "/caf\u00c3\u00a9?q=\u00c2\u0085 ; /caf%C3%A9?q=%C2%85",
    })
    void aTargetForAHeaderHasOnlyItsBytesAboveAsciiEscaped(String raw, String escaped) {
        assertThat(PercentEncoding.aboveAscii(raw)).isEqualTo(escaped);
    }

    @Test
    void aHeaderValueOfRequestPartsHasNoControlCharacterNorAnythingAboveAscii() {
        assertThat(PercentEncoding.headerValue("plain value")).isEqualTo("plain value");
        assertThat(PercentEncoding.headerValue("/a\r\nX-Evil: 1")).isEqualTo("/a%0D%0AX-Evil: 1");
        // a decoded path is text: escaped as its UTF-8; a header as sent is one char per byte
        assertThat(PercentEncoding.headerValue("/\u4e2d")).isEqualTo("/%E4%B8%AD");
        assertThat(PercentEncoding.headerValue("caf\u00c3\u00a9")).isEqualTo("caf%C3%A9");
    }
}

package dev.caravan.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DigestAnswerTest {

    private static final String FULL = "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", uri=\"/dir/index.html\","
            + " algorithm=MD5, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", nc=00000001,"
            + " cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", qop=auth,"
            + " response=\"8ca523f5e9506fed4657c9700eebdbec\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";

    @Test
    void readsTokensAndQuotedStringsWhateverTheirOrderAndCase() {
        DigestAnswer answer = DigestAnswer.parse(FULL);
        assertThat(answer).isEqualTo(new DigestAnswer("Mufasa", "http-auth@example.org",
                "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "/dir/index.html", "8ca523f5e9506fed4657c9700eebdbec",
                "auth", "00000001", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "MD5"));
        assertThat(DigestAnswer.parse("digest  QOP=auth,NC=00000002 ,username=\"a\\\"b\\\\c\",realm=\"r, with comma\","
                + "nonce=n,uri=\"/?a=1,b\",response=r,cnonce=c,")).isEqualTo(new DigestAnswer("a\"b\\c",
                        "r, with comma", "n", "/?a=1,b", "r", "auth", "00000002", "c", null));
    }

    @Test
    void anythingElseIsNoAnswer() {
        assertThat(DigestAnswer.parse(null)).isNull();
        assertThat(DigestAnswer.parse("Basic YTpi")).isNull();
        assertThat(DigestAnswer.parse("Digest")).isNull();
        // a parameter qop=auth needs is missing or empty
        assertThat(DigestAnswer.parse(FULL.replace(" nc=00000001,", ""))).isNull();
        assertThat(DigestAnswer.parse(FULL.replace("cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\"",
                "cnonce=\"\""))).isNull();
        // repeated, unterminated, or not name=value
        assertThat(DigestAnswer.parse(FULL + ", username=\"Simba\"")).isNull();
        assertThat(DigestAnswer.parse(FULL + ", x=\"open")).isNull();
        assertThat(DigestAnswer.parse(FULL + ", lonely")).isNull();
        assertThat(DigestAnswer.parse(FULL.replace("nc=00000001,", "nc=00000001 00000002,"))).isNull();
    }
}

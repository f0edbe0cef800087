package dev.caravan.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.auth.DigestCredentials;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The digest check on its own, with a clock the test moves: what ingress-nginx's digest module decides. */
class DigestAuthenticationTest {

    private static final String REALM = "Staff only";
    private static final Pattern NONCE = Pattern.compile("nonce=\"([^\"]+)\"");

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final DigestAuthentication digest = new DigestAuthentication(now::get);
    private final DigestCredentials users = DigestCredentials.fromSecret(new SecretBuilder().withNewMetadata()
            .withName("users").endMetadata().addToStringData("auth", "ann:" + REALM + ":"
                    + md5("ann:" + REALM + ":ann-pass") + "\n").build(), false, REALM);

    static String md5(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** What a client answers to {@code challenge}, computed as RFC 7616 says. */
    static String answer(String challenge, String user, String realm, String password, String method, String uri,
            int nc) {
        Matcher nonce = NONCE.matcher(challenge);
        assertThat(nonce.find()).as(challenge).isTrue();
        return answerOn(nonce.group(1), user, realm, password, method, uri, nc);
    }

    static String answerOn(String nonce, String user, String realm, String password, String method, String uri,
            int nc) {
        String count = String.format("%08x", nc);
        String response = md5(md5(user + ":" + realm + ":" + password) + ":" + nonce + ":" + count
                + ":cnonce-1:auth:" + md5(method + ":" + uri));
        return "Digest username=\"" + user + "\", realm=\"" + realm + "\", nonce=\"" + nonce + "\", uri=\""
                + uri + "\", algorithm=MD5, response=\"" + response + "\", qop=auth, nc=" + count
                + ", cnonce=\"cnonce-1\"";
    }

    private static String nonceOf(String challenge) {
        Matcher nonce = NONCE.matcher(challenge);
        assertThat(nonce.find()).isTrue();
        return nonce.group(1);
    }

    private Verdict ask(String client, String uri, String authorization) {
        List<Map.Entry<String, String>> headers = authorization == null ? List.of()
                : List.of(Map.entry("Authorization", authorization));
        return digest.verdict(users, new RequestHead("GET", uri, uri, "http", "a.test", "a.test", headers, client,
                null, Duration.ofSeconds(60), false, () -> true));
    }

    private String challenge() {
        return challenge(ask("10.0.0.1", "/", null));
    }

    private static String challenge(Verdict verdict) {
        assertThat(verdict).isInstanceOf(Verdict.Answer.class);
        Verdict.Answer answer = (Verdict.Answer) verdict;
        assertThat(answer.status()).isEqualTo(401);
        return answer.headers().get("WWW-Authenticate");
    }

    @Test
    void theChallengeIsTheModulesAndAnAnswerOfAUserLetsTheRequestOn() {
        String challenge = challenge();
        assertThat(challenge).matches("Digest algorithm=\"MD5\", qop=\"auth\", realm=\"Staff only\", nonce=\"[0-9a-f]{52}\"");
        assertThat(challenge()).isNotEqualTo(challenge);
        assertThat(ask("10.0.0.1", "/x?y=1", answer(challenge, "ann", REALM, "ann-pass", "GET", "/x?y=1", 1)))
                .isInstanceOf(Verdict.Proceed.class);
        // as the module, for .NET's client: the path without its query
        assertThat(ask("10.0.0.1", "/x?y=1", answer(challenge, "ann", REALM, "ann-pass", "GET", "/x", 2)))
                .isInstanceOf(Verdict.Proceed.class);
    }

    @Test
    void aWrongPasswordUserRealmUriOrMethodIsChallengedAgain() {
        String challenge = challenge();
        String good = answer(challenge, "ann", REALM, "ann-pass", "GET", "/a", 1);
        for (String bad : List.of(answer(challenge, "ann", REALM, "wrong", "GET", "/a", 1),
                answer(challenge, "bo", REALM, "ann-pass", "GET", "/a", 1),
                // the right hash, under another realm's name
                good.replace("realm=\"" + REALM + "\"", "realm=\"Elsewhere\""),
                answer(challenge, "ann", REALM, "ann-pass", "POST", "/a", 1),
                answer(challenge, "ann", REALM, "ann-pass", "GET", "/b", 1),
                good.replace("qop=auth", "qop=auth-int"), good.replace("algorithm=MD5", "algorithm=SHA-256"))) {
            // from addresses of their own: five failures of one address would stop its challenges
            String client = "10.0.1." + Math.floorMod(bad.hashCode(), 200);
            String again = challenge(ask(client, "/a", bad));
            assertThat(again).as(bad).doesNotContain("stale");
        }
        assertThat(ask("10.0.0.1", "/a", good)).isInstanceOf(Verdict.Proceed.class);
    }

    @Test
    void aNonceNotIssuedHereIsStaleEvenWithTheRightHash() {
        String nonce = nonceOf(challenge());
        // its issue time moved on, the answer computed over it: the MAC no longer matches
        String forged = "0001" + nonce.substring(4);
        for (int attempt = 0; attempt < 6; attempt++) {
            assertThat(challenge(ask("10.0.0.3", "/", answerOn(forged, "ann", REALM, "ann-pass", "GET", "/", 1))))
                    .endsWith(", stale=true");
        }
        // another process's nonce (a restart, another replica) too; none of these counts as a failure
        String elsewhere = nonceOf(challenge(new DigestAuthentication(now::get).verdict(users, new RequestHead("GET",
                "/", "/", "http", "a.test", "a.test", List.of(), "10.0.0.3", null, Duration.ofSeconds(60), false,
                () -> true))));
        assertThat(challenge(ask("10.0.0.3", "/", answerOn(elsewhere, "ann", REALM, "ann-pass", "GET", "/", 1))))
                .endsWith(", stale=true");
        assertThat(ask("10.0.0.3", "/", answer(challenge(), "ann", REALM, "ann-pass", "GET", "/", 1)))
                .isInstanceOf(Verdict.Proceed.class);
    }

    @Test
    void aNonceIsNotTakenForANewOneOnceForgotten() {
        String challenge = challenge();
        String captured = answer(challenge, "ann", REALM, "ann-pass", "GET", "/admin", 1);
        assertThat(ask("10.0.0.1", "/admin", captured)).isInstanceOf(Verdict.Proceed.class);
        now.addAndGet(12_000);
        // another user's first answer forgets what is over; the captured answer must not start a session again
        assertThat(ask("10.0.0.2", "/", answer(challenge(), "ann", REALM, "ann-pass", "GET", "/", 1)))
                .isInstanceOf(Verdict.Proceed.class);
        assertThat(challenge(ask("10.0.0.1", "/admin", captured))).endsWith(", stale=true");
        assertThat(challenge(ask("10.0.0.1", "/admin?x=1", captured))).endsWith(", stale=true");
    }

    @Test
    void whenSessionsOverflowTheOldestNoncesAreStaleNotNew() {
        String first = challenge();
        String captured = answer(first, "ann", REALM, "ann-pass", "GET", "/", 1);
        assertThat(ask("10.0.0.1", "/", captured)).isInstanceOf(Verdict.Proceed.class);
        now.incrementAndGet();
        for (int session = 0; session < DigestAuthentication.SESSIONS; session++) {
            assertThat(ask("10.0.0.1", "/", answer(challenge(), "ann", REALM, "ann-pass", "GET", "/", 1)))
                    .isInstanceOf(Verdict.Proceed.class);
        }
        // the first session was pushed out while it could still serve: its nonce is stale, never new again
        assertThat(challenge(ask("10.0.0.1", "/", captured))).endsWith(", stale=true");
        assertThat(challenge(ask("10.0.0.1", "/", answer(first, "ann", REALM, "ann-pass", "GET", "/", 2))))
                .endsWith(", stale=true");
        // a nonce issued after it still serves
        assertThat(ask("10.0.0.1", "/", answer(challenge(), "ann", REALM, "ann-pass", "GET", "/", 1)))
                .isInstanceOf(Verdict.Proceed.class);
    }

    @Test
    void replaysAreNoFailures() {
        String challenge = challenge();
        String answered = answer(challenge, "ann", REALM, "ann-pass", "GET", "/", 1);
        assertThat(ask("10.0.0.6", "/", answered)).isInstanceOf(Verdict.Proceed.class);
        // a client resending after a lost connection, or anyone replaying what it saw: never let in, nobody locked out
        for (int replay = 0; replay < 6; replay++) {
            assertThat(challenge(ask("10.0.0.6", "/", answered))).endsWith(", stale=true");
        }
        assertThat(ask("10.0.0.6", "/", answer(challenge, "ann", REALM, "ann-pass", "GET", "/", 2)))
                .isInstanceOf(Verdict.Proceed.class);
    }

    @Test
    void staleAnswersAreNoFailures() {
        String old = challenge();
        assertThat(ask("10.0.0.5", "/", answer(old, "ann", REALM, "ann-pass", "GET", "/", 1)))
                .isInstanceOf(Verdict.Proceed.class);
        now.addAndGet(11_000);
        // a page's parallel requests on its expired nonce
        for (int request = 2; request < 12; request++) {
            assertThat(challenge(ask("10.0.0.5", "/", answer(old, "ann", REALM, "ann-pass", "GET", "/", request))))
                    .endsWith(", stale=true");
        }
        assertThat(ask("10.0.0.5", "/", answer(challenge(), "ann", REALM, "ann-pass", "GET", "/", 1)))
                .isInstanceOf(Verdict.Proceed.class);
    }

    @Test
    void aNonceServesTenSecondsAfterItsFirstUseAndEachCountOnce() {
        String challenge = challenge();
        assertThat(ask("10.0.0.1", "/", answer(challenge, "ann", REALM, "ann-pass", "GET", "/", 1)))
                .isInstanceOf(Verdict.Proceed.class);
        // a replay of a count is asked again, a new count goes on
        assertThat(challenge(ask("10.0.0.1", "/", answer(challenge, "ann", REALM, "ann-pass", "GET", "/", 1))))
                .endsWith(", stale=true");
        now.addAndGet(9_000);
        assertThat(ask("10.0.0.1", "/", answer(challenge, "ann", REALM, "ann-pass", "GET", "/", 2)))
                .isInstanceOf(Verdict.Proceed.class);
        // counts from 20 on ask for a new nonce, as do ten seconds after the first use
        assertThat(challenge(ask("10.0.0.1", "/", answer(challenge, "ann", REALM, "ann-pass", "GET", "/", 20))))
                .endsWith(", stale=true");
        now.addAndGet(1_000);
        assertThat(challenge(ask("10.0.0.1", "/", answer(challenge, "ann", REALM, "ann-pass", "GET", "/", 3))))
                .endsWith(", stale=true");
    }

    @Test
    void aChallengeMayBeAnsweredWithinAMinute() {
        String late = challenge();
        String inTime = challenge();
        now.addAndGet(60_000);
        assertThat(ask("10.0.0.1", "/", answer(inTime, "ann", REALM, "ann-pass", "GET", "/", 1)))
                .isInstanceOf(Verdict.Proceed.class);
        now.addAndGet(1);
        assertThat(challenge(ask("10.0.0.1", "/", answer(late, "ann", REALM, "ann-pass", "GET", "/", 1))))
                .endsWith(", stale=true");
    }

    @Test
    void anAddressFailingFiveTimesGetsNoChallengeForFiveMinutesAfterItsLastFailure() {
        String challenge = challenge();
        for (int failure = 1; failure <= 5; failure++) {
            assertThat(challenge(ask("10.0.0.9", "/", answer(challenge, "ann", REALM, "guess" + failure, "GET", "/", 1))))
                    .startsWith("Digest ");
        }
        // even the right password: no challenge, as the module's evasion
        String right = answer(challenge, "ann", REALM, "ann-pass", "GET", "/", 1);
        assertThat(challenge(ask("10.0.0.9", "/", right))).isNull();
        assertThat(challenge(ask("10.0.0.9", "/", null))).isNull();
        // another address is not held up
        assertThat(ask("10.0.0.1", "/", right)).isInstanceOf(Verdict.Proceed.class);
        now.addAndGet(300_000);
        String fresh = challenge(ask("10.0.0.9", "/", null));
        assertThat(fresh).startsWith("Digest ");
        assertThat(ask("10.0.0.9", "/", answer(fresh, "ann", REALM, "ann-pass", "GET", "/", 1)))
                .isInstanceOf(Verdict.Proceed.class);
    }

    @Test
    void aSuccessClearsTheFailuresBeforeIt() {
        String challenge = challenge();
        for (int round = 0; round < 3; round++) {
            for (int failure = 0; failure < 4; failure++) {
                ask("10.0.0.8", "/", answer(challenge, "ann", REALM, "guess", "GET", "/", 1));
            }
            assertThat(ask("10.0.0.8", "/", answer(challenge, "ann", REALM, "ann-pass", "GET", "/", round + 1)))
                    .isInstanceOf(Verdict.Proceed.class);
        }
    }
}

package dev.caravan.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** satisfy: any's order of verdicts, as nginx's access phase keeps them. */
class AnyOfChecksTest {

    private static final Verdict.Proceed ADMIT = new Verdict.Proceed(Map.of(), Set.of());
    private static final Verdict.Answer FORBIDDEN = answer(403);
    private static final Verdict.Answer CHALLENGE = answer(401);
    private static final Verdict.Answer SIGN_IN = answer(302);
    private static final Verdict.Refused FAILED = new Verdict.Refused(HttpResponseStatus.INTERNAL_SERVER_ERROR, "down");

    private final List<Integer> asked = new ArrayList<>();

    private static Verdict.Answer answer(int status) {
        return new Verdict.Answer(status, EmptyHttpHeaders.INSTANCE, new byte[0]);
    }

    private RequestCheck saying(int index, Verdict verdict) {
        return (head, done) -> {
            asked.add(index);
            done.accept(verdict);
        };
    }

    private Verdict run(Verdict.Answer sourceRefusal, Verdict... verdicts) {
        List<RequestCheck> checks = new ArrayList<>();
        for (int i = 0; i < verdicts.length; i++) {
            checks.add(saying(i, verdicts[i]));
        }
        AtomicReference<Verdict> result = new AtomicReference<>();
        new AnyOfChecks(checks, sourceRefusal, List.of()).check(null,
                verdict -> assertThat(result.getAndSet(verdict)).isNull());
        return result.get();
    }

    @Test
    void theFirstCheckThatAdmitsEndsIt() {
        assertThat(run(null, CHALLENGE, ADMIT)).isSameAs(ADMIT);
        assertThat(asked).containsExactly(0, 1);
        asked.clear();
        assertThat(run(FORBIDDEN, ADMIT, CHALLENGE)).isSameAs(ADMIT);
        assertThat(asked).containsExactly(0);
    }

    @Test
    void aChallengeOutlivesLaterRefusalsAndTheLastChallengeIsAnswered() {
        assertThat(run(FORBIDDEN, CHALLENGE, FORBIDDEN)).isSameAs(CHALLENGE);
        assertThat(run(null, FORBIDDEN, FORBIDDEN)).isSameAs(FORBIDDEN);
        assertThat(run(FORBIDDEN, FORBIDDEN)).isSameAs(FORBIDDEN);
        // basic authentication's 401, then auth-url's redirect to its sign-in page: nginx turns the 401 into that
        assertThat(run(FORBIDDEN, CHALLENGE, SIGN_IN)).isSameAs(SIGN_IN);
    }

    @Test
    void twoChallengesAreBothSent() {
        Verdict.Answer basic = new Verdict.Answer(401, new DefaultHttpHeaders().add("WWW-Authenticate",
                "Basic realm=\"staff\""), new byte[0]);
        Verdict.Answer bearer = new Verdict.Answer(401, new DefaultHttpHeaders().add("WWW-Authenticate", "Bearer")
                .add("X-Reason", "expired"), "later".getBytes());
        Verdict.Answer both = (Verdict.Answer) run(FORBIDDEN, basic, bearer);
        assertThat(both.status()).isEqualTo(401);
        assertThat(both.headers().getAll("WWW-Authenticate")).containsExactly("Basic realm=\"staff\"", "Bearer");
        assertThat(both.headers().get("X-Reason")).isEqualTo("expired");
        assertThat(both.body()).isEqualTo("later".getBytes());
    }

    @Test
    void whicheverCheckAdmitsTheHeadersAuthUrlAnswersWithAreTheirsOrNone() {
        Verdict.Proceed fromAuthUrl = new Verdict.Proceed(Map.of("X-User", List.of("alice")), Set.of("X-Email"));
        List<RequestCheck> checks = List.of(saying(0, CHALLENGE), saying(1, fromAuthUrl));
        AtomicReference<Verdict> result = new AtomicReference<>();
        new AnyOfChecks(checks, null, List.of("X-User", "X-Email")).check(null, result::set);
        assertThat(((Verdict.Proceed) result.get()).set()).containsOnlyKeys("X-User");
        assertThat(((Verdict.Proceed) result.get()).removed()).containsExactlyInAnyOrder("X-Email");
        // basic authentication admitted first: auth-url never answered, so the client's copies go
        new AnyOfChecks(List.of(saying(0, ADMIT), saying(1, fromAuthUrl)), null, List.of("X-User", "X-Email"))
                .check(null, result::set);
        assertThat(((Verdict.Proceed) result.get()).removed()).containsExactlyInAnyOrder("X-User", "X-Email");
    }

    @Test
    void aCheckThatFailsIsAnsweredAtOnce() {
        assertThat(run(FORBIDDEN, FAILED, ADMIT)).isSameAs(FAILED);
        assertThat(asked).containsExactly(0);
    }
}

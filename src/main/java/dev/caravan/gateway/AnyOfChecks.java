package dev.caravan.gateway;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * nginx's {@code satisfy any}: authentication checks run in turn until one admits the request, which then
 * goes on; the request is refused only when none admits it. The refusal answered is the last challenge (a 401,
 * or the redirect to a sign-in page that stands for one), else the last refusal: as nginx keeps a 401 over a later
 * 403; two 401s' challenges are both sent, as nginx adds auth_request's to auth_basic's. A check that fails
 * rather than refuses (its service down, busy) is answered at once, as nginx's auth_request ends the request on
 * an error. Whichever check admits the request, the headers auth-url answers with are removed unless it set them:
 * as nginx sets them from its answer, empty when it did not run.
 */
final class AnyOfChecks implements RequestCheck {

    private final List<RequestCheck> checks;
    private final Verdict.Answer sourceRefusal;
    private final List<String> answeredHeaders;

    /**
     * @param sourceRefusal   the source ranges' refusal of the client, or {@code null} when they did not refuse it
     * @param answeredHeaders the headers auth-url answers with ({@code auth-response-headers})
     */
    AnyOfChecks(List<RequestCheck> checks, Verdict.Answer sourceRefusal, List<String> answeredHeaders) {
        this.checks = List.copyOf(checks);
        this.sourceRefusal = sourceRefusal;
        this.answeredHeaders = List.copyOf(answeredHeaders);
    }

    @Override
    public void check(RequestHead head, Consumer<Verdict> done) {
        run(0, head, sourceRefusal, done);
    }

    private void run(int index, RequestHead head, Verdict.Answer refusal, Consumer<Verdict> done) {
        checks.get(index).check(head, verdict -> {
            if (verdict instanceof Verdict.Proceed admitted) {
                done.accept(withoutUnanswered(admitted));
                return;
            }
            if (!(verdict instanceof Verdict.Answer answer)) {
                // the check failed
                done.accept(verdict);
                return;
            }
            Verdict.Answer kept = refusal == null ? answer : challenges(refusal) && !challenges(answer) ? refusal
                    : refusal.status() == 401 && answer.status() == 401 ? bothChallenges(refusal, answer) : answer;
            if (index + 1 < checks.size()) {
                run(index + 1, head, kept, done);
            } else {
                done.accept(kept);
            }
        });
    }

    private Verdict.Proceed withoutUnanswered(Verdict.Proceed admitted) {
        if (answeredHeaders.isEmpty()) {
            return admitted;
        }
        Set<String> removed = new HashSet<>(admitted.removed());
        for (String name : answeredHeaders) {
            if (admitted.set().keySet().stream().noneMatch(name::equalsIgnoreCase)) {
                removed.add(name);
            }
        }
        return new Verdict.Proceed(admitted.set(), removed, admitted.cookies(), admitted.cookiesAlways());
    }

    /** The later 401, with the earlier one's challenges before its own. */
    private static Verdict.Answer bothChallenges(Verdict.Answer earlier, Verdict.Answer later) {
        HttpHeaders headers = new DefaultHttpHeaders().set(later.headers());
        headers.remove(HttpHeaderNames.WWW_AUTHENTICATE);
        headers.add(HttpHeaderNames.WWW_AUTHENTICATE, earlier.headers().getAll(HttpHeaderNames.WWW_AUTHENTICATE));
        headers.add(HttpHeaderNames.WWW_AUTHENTICATE, later.headers().getAll(HttpHeaderNames.WWW_AUTHENTICATE));
        return new Verdict.Answer(401, headers, later.body());
    }

    private static boolean challenges(Verdict.Answer answer) {
        return answer.status() == 401 || answer.status() / 100 == 3;
    }
}

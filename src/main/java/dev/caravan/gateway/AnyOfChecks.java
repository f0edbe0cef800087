package dev.caravan.gateway;

import java.util.List;
import java.util.function.Consumer;

/**
 * nginx's {@code satisfy any}: authentication checks run in turn until one admits the request, which then
 * goes on; the request is refused only when none admits it. The refusal answered is the last challenge (a 401,
 * or the redirect to a sign-in page that stands for one), else the last refusal: as nginx keeps a 401 over a later
 * 403. A check that fails rather than refuses (its service down, busy) is answered at once, as nginx's
 * auth_request ends the request on an error.
 */
final class AnyOfChecks implements RequestCheck {

    private final List<RequestCheck> checks;
    private final Verdict.Answer sourceRefusal;

    /** @param sourceRefusal the source ranges' refusal of the client, or {@code null} when they did not refuse it */
    AnyOfChecks(List<RequestCheck> checks, Verdict.Answer sourceRefusal) {
        this.checks = List.copyOf(checks);
        this.sourceRefusal = sourceRefusal;
    }

    @Override
    public void check(RequestHead head, Consumer<Verdict> done) {
        run(0, head, sourceRefusal, done);
    }

    private void run(int index, RequestHead head, Verdict.Answer refusal, Consumer<Verdict> done) {
        checks.get(index).check(head, verdict -> {
            if (!(verdict instanceof Verdict.Answer answer)) {
                // admitted, or the check failed
                done.accept(verdict);
                return;
            }
            Verdict.Answer kept = refusal != null && challenges(refusal) && !challenges(answer) ? refusal : answer;
            if (index + 1 < checks.size()) {
                run(index + 1, head, kept, done);
            } else {
                done.accept(kept);
            }
        });
    }

    private static boolean challenges(Verdict.Answer answer) {
        return answer.status() == 401 || answer.status() / 100 == 3;
    }
}

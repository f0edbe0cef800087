package dev.caravan.upstream;

import java.time.Duration;
import java.util.Set;

/**
 * When a request is tried again on another pod, as ingress-nginx's {@code proxy-next-upstream}: on
 * which failures ({@code error}, {@code timeout}, {@code http_502}, ...), how many tries in all, and
 * within how long. A request whose body has been sent is never tried again (Caravan streams bodies and
 * keeps no copy); a non-idempotent one only with {@code non_idempotent}. Apart from this policy, a stream an
 * HTTP/2 pod refused unprocessed is sent again with the little of its body kept for that ({@link RequestReplay}).
 *
 * @param conditions the failures that lead to another try; empty for {@code off}
 * @param tries      attempts in all, the first included (0: no limit but the pods)
 * @param timeout    the time within which another try may start ({@link Duration#ZERO}: no limit)
 */
public record NextUpstream(Set<String> conditions, int tries, Duration timeout) {

    /** ingress-nginx's defaults: on connection errors and timeouts, 3 tries, no time limit. */
    public static final NextUpstream DEFAULT = new NextUpstream(Set.of("error", "timeout"), 3, Duration.ZERO);

    public static final Set<String> KNOWN = Set.of("error", "timeout", "invalid_header", "http_500", "http_502",
            "http_503", "http_504", "http_403", "http_404", "http_429", "non_idempotent", "off");

    /** The {@code http_NNN} condition of each status that has one, so that a response costs no string. */
    private static final String[] STATUS_CONDITIONS = new String[600];

    static {
        for (String condition : KNOWN) {
            if (condition.startsWith("http_")) {
                STATUS_CONDITIONS[Integer.parseInt(condition.substring(5))] = condition;
            }
        }
    }

    public NextUpstream {
        conditions = Set.copyOf(conditions);
    }

    public boolean on(String condition) {
        return conditions.contains(condition);
    }

    /** Whether a response status is one this policy tries another pod for. */
    public boolean onStatus(int status) {
        String condition = status >= 0 && status < STATUS_CONDITIONS.length ? STATUS_CONDITIONS[status] : null;
        return condition != null && conditions.contains(condition);
    }
}

package dev.caravan.routing;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * A canary Ingress's say over a main rule, as ingress-nginx decides it: by header first (the header's
 * value {@code always} or {@code never}, or equal to {@code headerValue}, or matching
 * {@code headerPattern}), then by cookie ({@code always} or {@code never}), then by weight.
 *
 * @param backend  where canary requests go
 * @param ingress  the canary Ingress, for reports
 * @param header   {@code canary-by-header}, or {@code null}
 * @param weight   {@code canary-weight}, out of {@code weightTotal}
 */
public record Canary(Backend backend, ObjectRef ingress, String header, String headerValue, Pattern headerPattern,
        String cookie, int weight, int weightTotal) {

    /** Whether this request goes to the canary. */
    public boolean chooses(HttpHeaders headers) {
        if (header != null) {
            String value = headers.get(header);
            if (value != null) {
                if (headerValue != null) {
                    if (value.equals(headerValue)) {
                        return true;
                    }
                } else if (headerPattern != null) {
                    if (found(headerPattern, value)) {
                        return true;
                    }
                } else if (value.equals("always")) {
                    return true;
                } else if (value.equals("never")) {
                    return false;
                }
            }
        }
        if (cookie != null) {
            String value = RequestCookies.first(headers, cookie);
            if (value.equals("always")) {
                return true;
            }
            if (value.equals("never")) {
                return false;
            }
        }
        return weight > 0 && ThreadLocalRandom.current().nextInt(weightTotal) < weight;
    }

    /**
     * Whether the pattern is found in the value, within {@link BoundedInput}'s budget: an Ingress's pattern runs on an
     * event loop against what a client sends, and a pattern that backtracks past the budget is no match, as PCRE's
     * match limit stops nginx's.
     */
    private static boolean found(Pattern pattern, String value) {
        try {
            return pattern.matcher(new BoundedInput(value)).find();
        } catch (BoundedInput.Exhausted overBudget) {
            return false;
        }
    }
}

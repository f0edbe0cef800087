package dev.caravan.compile;

import dev.caravan.routing.ObjectRef;

/**
 * Something wrong with one Ingress. An {@link Severity#INVALID} Ingress is not served as it is now
 * (its last good version stays in force, if it had one); a {@link Severity#WARNING} names a part of
 * it that cannot be served as written while the rest is.
 */
public record Problem(ObjectRef ingress, Severity severity, String message) {

    public enum Severity { INVALID, WARNING }

    static Problem invalid(ObjectRef ingress, String message) {
        return new Problem(ingress, Severity.INVALID, message);
    }

    static Problem warning(ObjectRef ingress, String message) {
        return new Problem(ingress, Severity.WARNING, message);
    }

    @Override
    public String toString() {
        return "Ingress " + ingress + ": " + message;
    }
}

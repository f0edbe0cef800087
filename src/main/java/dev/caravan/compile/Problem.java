package dev.caravan.compile;

import dev.caravan.routing.ObjectRef;

/**
 * Something wrong with one Ingress. An {@link Severity#INVALID} Ingress is not served as it is now
 * (its last good version stays in force, if it had one); a {@link Severity#WARNING} names a part of
 * it that cannot be served as written while the rest is.
 *
 * @param reason a short CamelCase cause, the {@code reason} of the Kubernetes Event that reports it
 */
public record Problem(ObjectRef ingress, Severity severity, String reason, String message) {

    public enum Severity { INVALID, WARNING }

    public Problem {
        message = escapeControls(message);
    }

    /**
     * The text with its control characters written as {@code \xNN}: messages quote what Ingresses hold, and a CR or
     * LF there would begin a log line of its writer's making.
     */
    static String escapeControls(String text) {
        if (text == null || text.chars().noneMatch(c -> c < 0x20 || c == 0x7f)) {
            return text;
        }
        StringBuilder escaped = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                escaped.append(String.format("\\x%02X", (int) c));
            } else {
                escaped.append(c);
            }
        }
        return escaped.toString();
    }

    /** The Ingress fails validation. */
    public static final String INVALID_INGRESS = "InvalidIngress";
    /** A backend names a Service that does not exist. */
    public static final String BACKEND_NOT_FOUND = "BackendNotFound";
    /** A backend names a port its Service does not have. */
    public static final String PORT_NOT_FOUND = "PortNotFound";
    /** The name of a Service of type ExternalName resolves to no address. */
    public static final String NAME_NOT_RESOLVED = "ExternalNameNotResolved";
    /** An annotation has a value Caravan cannot use. */
    public static final String INVALID_ANNOTATION = "InvalidAnnotation";
    /** An annotation Caravan refuses (raw proxy configuration, the snippets). */
    public static final String REFUSED_ANNOTATION = "RefusedAnnotation";
    /** An ingress-nginx annotation Caravan does not apply (yet). */
    public static final String UNSUPPORTED_ANNOTATION = "UnsupportedAnnotation";
    /** An annotation's invalid value passed over, as ingress-nginx passes over it: the Ingress is served without it. */
    public static final String IGNORED_ANNOTATION = "IgnoredAnnotation";
    /** A canary Ingress whose host and path no main Ingress serves. */
    public static final String CANARY_WITHOUT_MAIN = "CanaryWithoutMain";
    /** A TLS Secret an Ingress names does not exist (or is of a type no certificate is read from). */
    public static final String SECRET_NOT_FOUND = "SecretNotFound";
    /** A TLS Secret whose certificate cannot be served (unparsable, key mismatch, expired). */
    public static final String INVALID_CERTIFICATE = "InvalidCertificate";
    /** An operator took the Ingress out of service (JMX); it is not served until enabled again. */
    public static final String DISABLED = "Disabled";
    /** A path made a regex (use-regex, rewrite-target) that is no regex: it is matched literally. */
    public static final String PATH_NOT_REGEX = "PathNotRegex";
    /** An older Ingress already serves the same host and path elsewhere. */
    public static final String CONFLICT = "Conflict";

    static Problem invalid(ObjectRef ingress, String reason, String message) {
        return new Problem(ingress, Severity.INVALID, reason, message);
    }

    public static Problem warning(ObjectRef ingress, String reason, String message) {
        return new Problem(ingress, Severity.WARNING, reason, message);
    }

    @Override
    public String toString() {
        return "Ingress " + ingress + ": " + reason + ": " + message;
    }
}

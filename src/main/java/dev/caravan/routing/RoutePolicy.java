package dev.caravan.routing;

import java.time.Duration;

/**
 * What an Ingress's annotations ask of the requests its rules match, parsed once by the compiler.
 * Every field is optional ({@code null}, or a negative size): absent means ingress-nginx's default.
 *
 * @param rewriteTarget      the path sent upstream, with {@code $1…$n} from the rule's regex
 * @param regexPaths         whether this Ingress's paths are regular expressions (use-regex, rewrite-target)
 * @param appRoot            where {@code /} is redirected (302)
 * @param redirect           where every request is redirected, and with which status
 * @param forwardedPrefix    the {@code X-Forwarded-Prefix} sent upstream
 * @param upstreamVhost      the {@code Host} sent upstream instead of the client's
 * @param maxBodySize        the largest request body in bytes (0: unlimited; negative: the global default)
 * @param connectTimeout     to connect to a pod
 * @param readTimeout        a pod's silence while answering
 * @param affinity           cookie session affinity, or {@code null}
 */
public record RoutePolicy(String rewriteTarget, boolean regexPaths, String appRoot, Redirect redirect,
        String forwardedPrefix, String upstreamVhost, long maxBodySize, Duration connectTimeout,
        Duration readTimeout, Affinity affinity) {

    public static final RoutePolicy NONE = new RoutePolicy(null, false, null, null, null, null, -1, null, null,
            null);

    /**
     * Cookie session affinity, as ingress-nginx's {@code affinity: cookie}.
     *
     * @param persistent      {@code affinity-mode: persistent} (else balanced)
     * @param path            the cookie's Path, or {@code null} for the matched rule's path
     * @param maxAge          Max-Age in seconds, or negative for a session cookie
     * @param sameSite        {@code None}, {@code Lax}, {@code Strict}, or {@code null}
     * @param secure          forced Secure ({@code null}: only over HTTPS)
     * @param changeOnFailure whether a request that had to leave its pinned pod is re-pinned
     */
    public record Affinity(boolean persistent, String cookieName, String path, String domain, long maxAge,
            String sameSite, boolean conditionalSameSiteNone, Boolean secure, boolean changeOnFailure) {
    }

    /** A redirect of every request: {@code location} is sent as is. */
    public record Redirect(String location, int status) {
    }
}

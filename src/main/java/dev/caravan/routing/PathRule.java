package dev.caravan.routing;

/**
 * One {@code http.paths} entry of an Ingress rule, compiled.
 *
 * @param path    as written in the Ingress ({@code /} if left out); for prefix matching a trailing slash is ignored
 * @param ingress the Ingress that declared it, for reports and lookups
 * @param policy  what the Ingress's annotations ask of the requests this rule matches
 * @param regex   for a host in regex mode (use-regex, rewrite-target), the path as a case-insensitive
 *                regex anchored at the start; {@code null} otherwise
 * @param fallback what serves the rule when its backend has no ready endpoint ({@code default-backend}),
 *                 or {@code null}
 * @param canary   a canary Ingress's share of this rule's traffic, or {@code null}
 */
public record PathRule(PathType type, String path, Backend backend, ObjectRef ingress, RoutePolicy policy,
        PathRegex regex, Backend fallback, Canary canary) {

    public PathRule {
        // an ImplementationSpecific rule may leave the path out: it then covers every path
        if (path == null || path.isEmpty()) {
            path = "/";
        }
        if (policy == null) {
            policy = RoutePolicy.NONE;
        }
    }

    public PathRule(PathType type, String path, Backend backend, ObjectRef ingress) {
        this(type, path, backend, ingress, RoutePolicy.NONE, null, null, null);
    }

    /** The same rule as a regex rule, as ingress-nginx turns every path of a host with regex paths. */
    public PathRule asRegex(PathRegex pattern) {
        return new PathRule(type, path, backend, ingress, policy, pattern, fallback, canary);
    }

    /** The same rule sharing its traffic with a canary. */
    public PathRule withCanary(Canary share) {
        return new PathRule(type, path, backend, ingress, policy, regex, fallback, share);
    }

    /** The backend that serves a request now: the rule's, or its fallback when the rule's has no endpoint. */
    public Backend serving() {
        return !backend.hasEndpoints() && fallback != null && fallback.hasEndpoints() ? fallback : backend;
    }

    /** Whether this rule rewrites the path: a rewrite-target that differs from the path, as ingress-nginx. */
    public boolean rewrites() {
        return policy.rewrites(path);
    }

    /** The path compared against requests: for prefix types, without its trailing slashes. */
    public String matchPath() {
        if (type == PathType.EXACT || regex != null) {
            return path;
        }
        int end = path.length();
        while (end > 1 && path.charAt(end - 1) == '/') {
            end--;
        }
        return path.substring(0, end);
    }

    /**
     * The path by which two rules of one type are one: as matched, but an ImplementationSpecific path's text, as
     * ingress-nginx makes a location of each ({@code /api} and {@code /api/} are two).
     */
    public String keyPath() {
        return type == PathType.IMPLEMENTATION_SPECIFIC && regex == null ? path : matchPath();
    }

    /**
     * Whether a request path this rule matches is answered with a 301 to the rule's path: nginx's redirect of
     * {@code /api} to {@code /api/} where a prefix location {@code /api/} (an ImplementationSpecific path, not a
     * regex) is the best match, before anything of the location applies. A denied location (nginx's {@code return
     * 503}, no proxy) makes no such redirect.
     */
    public boolean redirectsToSlash(String requestPath) {
        return type == PathType.IMPLEMENTATION_SPECIFIC && regex == null && !policy.denied()
                && path.length() == requestPath.length() + 1 && path.charAt(requestPath.length()) == '/';
    }

    /**
     * Whether a request path (no query) is matched by this rule, per the Ingress v1 API; an ImplementationSpecific
     * path as ingress-nginx matches it.
     */
    public boolean matches(String requestPath) {
        if (regex != null) {
            return regex.lookingAt(requestPath);
        }
        String own = matchPath();
        if (type == PathType.EXACT) {
            return requestPath.equals(own);
        }
        if (own.equals("/")) {
            return true;
        }
        if (type == PathType.IMPLEMENTATION_SPECIFIC) {
            // as ingress-nginx writes it, nginx's prefix location: text, so that /api matches /apis too (and /api/
            // matches /api, to redirect it to /api/: see redirectsToSlash)
            return requestPath.startsWith(path) || requestPath.equals(own) && !policy.denied();
        }
        // element-wise: "/foo" matches "/foo", "/foo/" and "/foo/bar", never "/foobar"
        return requestPath.startsWith(own)
                && (requestPath.length() == own.length() || requestPath.charAt(own.length()) == '/');
    }
}

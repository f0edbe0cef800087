package dev.caravan.routing;

/**
 * One {@code http.paths} entry of an Ingress rule, compiled.
 *
 * @param path    as written in the Ingress ({@code /} if left out); for prefix matching a trailing slash is ignored
 * @param ingress the Ingress that declared it, for reports and lookups
 */
public record PathRule(PathType type, String path, Backend backend, ObjectRef ingress) {

    public PathRule {
        // an ImplementationSpecific rule may leave the path out: it then covers every path
        if (path == null || path.isEmpty()) {
            path = "/";
        }
    }

    /** The path compared against requests: for prefix types, without its trailing slashes. */
    public String matchPath() {
        if (type == PathType.EXACT) {
            return path;
        }
        int end = path.length();
        while (end > 1 && path.charAt(end - 1) == '/') {
            end--;
        }
        return path.substring(0, end);
    }

    /** Whether a request path (no query) is matched by this rule, per the Ingress v1 API. */
    public boolean matches(String requestPath) {
        String own = matchPath();
        if (type == PathType.EXACT) {
            return requestPath.equals(own);
        }
        if (own.equals("/")) {
            return true;
        }
        // element-wise: "/foo" matches "/foo", "/foo/" and "/foo/bar", never "/foobar"
        return requestPath.startsWith(own)
                && (requestPath.length() == own.length() || requestPath.charAt(own.length()) == '/');
    }
}

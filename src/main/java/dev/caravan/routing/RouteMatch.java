package dev.caravan.routing;

/**
 * How a request was resolved against one routing-table version.
 *
 * @param rule    the path rule that matched, the host's stand-in rule where none does ({@link HostRoutes#defaultRule()}:
 *                its Ingress's annotations hold), or {@code null} for a default backend of Caravan's under none
 * @param backend where to send it, or {@code null} for the built-in 404
 * @param host    the routes of the request's host, or {@code null} when no rule names it
 */
public record RouteMatch(PathRule rule, Backend backend, HostRoutes host) {

    static final RouteMatch NONE = new RouteMatch(null, null, null);

    public boolean found() {
        return backend != null;
    }

    /** The host's app-root, or {@code null}. */
    public String appRoot() {
        return host == null ? null : host.appRoot();
    }

    /** The host every request of this one is redirected to (from-to-www-redirect), or {@code null}. */
    public String redirectTo() {
        return host == null ? null : host.redirectTo();
    }

    /** Whether an Ingress gives the host a certificate ({@code spec.tls}): what ssl-redirect and HSTS need. */
    public boolean hostHasTls() {
        return host != null && host.tls();
    }
}

package dev.caravan.routing;

/**
 * How a request was resolved against one routing-table version.
 *
 * @param rule    the path rule that matched, or {@code null} when a default backend serves it
 * @param backend where to send it, or {@code null} when nothing matches (404)
 * @param appRoot the matched host's app-root, or {@code null}
 */
public record RouteMatch(PathRule rule, Backend backend, String appRoot) {

    static final RouteMatch NONE = new RouteMatch(null, null, null);

    public boolean found() {
        return backend != null;
    }
}

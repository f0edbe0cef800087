package dev.caravan.routing;

/**
 * How a request was resolved against one routing-table version.
 *
 * @param rule    the path rule that matched, or {@code null} when a default backend serves it
 * @param backend where to send it, or {@code null} when nothing matches (404)
 */
public record RouteMatch(PathRule rule, Backend backend) {

    static final RouteMatch NONE = new RouteMatch(null, null);

    public boolean found() {
        return backend != null;
    }
}

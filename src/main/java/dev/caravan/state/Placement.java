package dev.caravan.state;

/**
 * Where this replica runs, for topology-aware routing: its Node, and the Node's zone. Either is {@code null} until
 * known.
 */
public record Placement(String node, String zone) {

    public static final Placement UNKNOWN = new Placement(null, null);
}

package dev.caravan.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one-line summary of a routing-table change: hosts added, removed and changed, endpoints included. */
class TableChangeTest {

    private static final ObjectRef INGRESS = new ObjectRef("default", "web");

    @Test
    void namesHostsAddedRemovedAndChanged() {
        RoutingTable before = table(Map.of("a.example.com", routes("svc-a", 1), "b.example.com", routes("svc-b", 1),
                "c.example.com", routes("svc-c", 1)));
        RoutingTable after = table(Map.of("a.example.com", routes("svc-a", 1), "b.example.com", routes("svc-b", 2),
                "d.example.com", routes("svc-d", 1)));
        TableChange change = TableChange.between(before, after);
        assertThat(change.added()).containsExactly("d.example.com");
        assertThat(change.removed()).containsExactly("c.example.com");
        assertThat(change.changed()).as("an endpoint more").containsExactly("b.example.com");
        assertThat(change.summary()).isEqualTo("+1 host (d.example.com), -1 host (c.example.com), ~1 host (b.example.com)");
        assertThat(TableChange.between(after, after).isEmpty()).isTrue();
        assertThat(TableChange.between(after, after).summary()).isEqualTo("no change");
    }

    @Test
    void longListsAreCut() {
        java.util.Map<String, HostRoutes> many = new java.util.HashMap<>();
        for (int i = 0; i < 8; i++) {
            many.put("h" + i + ".example.com", routes("svc", 1));
        }
        assertThat(TableChange.between(RoutingTable.EMPTY, table(many)).summary())
                .isEqualTo("+8 hosts (h0.example.com, h1.example.com, h2.example.com, h3.example.com, h4.example.com, …)");
    }

    private static RoutingTable table(Map<String, HostRoutes> hosts) {
        return new RoutingTable(1, hosts, Map.of(), null, null, Map.of(), GlobalHeaders.NONE);
    }

    private static HostRoutes routes(String service, int endpoints) {
        List<InetSocketAddress> addresses = new java.util.ArrayList<>();
        for (int i = 0; i < endpoints; i++) {
            addresses.add(new InetSocketAddress("127.0.0." + (i + 2), 8080));
        }
        return new HostRoutes(List.of(new PathRule(PathType.PREFIX, "/", new Backend("default/" + service + ":80",
                addresses), INGRESS)), null);
    }
}

package dev.caravan.compile;

import dev.caravan.routing.RoutingTable;
import dev.caravan.routing.TableChange;

/** Told of each change of the routing table in force, once it is in force; on the compiler's thread. */
@FunctionalInterface
public interface TableChangeListener {

    void changed(RoutingTable table, TableChange change);
}

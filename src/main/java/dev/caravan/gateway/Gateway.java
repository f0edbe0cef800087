package dev.caravan.gateway;

import dev.caravan.routing.CurrentRoutingTable;
import dev.caravan.upstream.UpstreamClient;

/**
 * What every connection of one listener shares.
 *
 * @param scheme the listener's scheme as pods see it in {@code X-Forwarded-Proto}
 * @param port   the listener's port as pods see it in {@code X-Forwarded-Port}
 */
record Gateway(String scheme, int port, CurrentRoutingTable table, UpstreamClient upstream,
        ListenerConsumers consumers) {
}

package dev.caravan.gateway;

import io.netty.handler.ipfilter.IpSubnetFilterRule;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * ingress-nginx's {@code use-proxy-protocol}: every connection starts with a PROXY protocol header.
 *
 * @param headerTimeout how long the header may take ({@code proxy-protocol-header-timeout})
 * @param trusted       the peers whose header names the client ({@code proxy-real-ip-cidr}); another peer's is read
 *                      and passed over, as nginx's realip module passes over untrusted sources
 */
public record ProxyProtocolSettings(Duration headerTimeout, List<IpSubnetFilterRule> trusted) {

    public ProxyProtocolSettings {
        trusted = List.copyOf(trusted);
    }

    public boolean trusts(InetSocketAddress peer) {
        for (IpSubnetFilterRule network : trusted) {
            if (network.matches(peer)) {
                return true;
            }
        }
        return false;
    }
}

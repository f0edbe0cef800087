package dev.caravan.gateway;

import io.netty.handler.ipfilter.IpSubnetFilterRule;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * What the listeners believe of load balancers in front about the client, as ingress-nginx's ConfigMap keys of these
 * names (nginx's realip module): by default nothing, the connection's peer being the client.
 *
 * @param proxyProtocol           every connection starts with a PROXY protocol header ({@code use-proxy-protocol})
 * @param proxyProtocolTimeout    how long that header may take ({@code proxy-protocol-header-timeout})
 * @param trusted                 the load balancers whose word is taken ({@code proxy-real-ip-cidr}); another peer's
 *                                header is passed over, as the realip module passes over untrusted sources
 * @param realIpHeader            the client is the last address of {@code forwardedForHeader} not trusted, or its
 *                                first when all are ({@code enable-real-ip}, or {@code use-forwarded-headers})
 * @param forwardedForHeader      where the chain of client addresses is read ({@code forwarded-for-header})
 * @param forwardedHeaders        {@code X-Forwarded-Proto}, {@code -Host} and {@code -Port} say what the client asked
 *                                for: the scheme redirects to HTTPS follow, what the pod is told
 *                                ({@code use-forwarded-headers})
 * @param computeFullForwardedFor the pod gets the incoming {@code X-Forwarded-For} chain with the peer added, rather
 *                                than the client alone ({@code compute-full-forwarded-for}, with forwarded headers)
 */
public record RealIpSettings(boolean proxyProtocol, Duration proxyProtocolTimeout, List<IpSubnetFilterRule> trusted,
        boolean realIpHeader, String forwardedForHeader, boolean forwardedHeaders, boolean computeFullForwardedFor) {

    /** The peer is the client, and nothing it sends says otherwise. */
    public static final RealIpSettings NONE = new RealIpSettings(false, Duration.ofSeconds(5), List.of(), false,
            "X-Forwarded-For", false, false);

    public RealIpSettings {
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

    /** Whether a request's headers may change who or what it is for: else a connection's view serves all its requests. */
    boolean readsRequests() {
        return realIpHeader || forwardedHeaders;
    }
}

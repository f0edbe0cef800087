package dev.caravan.routing;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import java.util.ArrayList;
import java.util.List;

/** Lists of networks as ingress-nginx's annotations and settings write them: CIDRs or addresses, comma-separated. */
public final class Networks {

    private Networks() {
    }

    /**
     * The networks of {@code value}; an address alone is a /32 or /128, empty items are skipped.
     *
     * @throws IllegalArgumentException naming the item that is not an IP address or CIDR
     */
    public static List<IpSubnetFilterRule> parse(String value, IpFilterRuleType type) {
        List<IpSubnetFilterRule> rules = new ArrayList<>();
        for (String item : value.split(",")) {
            String cidr = item.trim();
            if (cidr.isEmpty()) {
                continue;
            }
            int slash = cidr.indexOf('/');
            String address = slash < 0 ? cidr : cidr.substring(0, slash);
            boolean v4 = NetUtil.isValidIpV4Address(address);
            boolean v6 = NetUtil.isValidIpV6Address(address);
            try {
                int prefix = slash < 0 ? (v4 ? 32 : 128) : Integer.parseInt(cidr.substring(slash + 1));
                if (!(v4 || v6) || prefix < 0 || prefix > (v4 ? 32 : 128)) {
                    throw new IllegalArgumentException();
                }
                rules.add(new IpSubnetFilterRule(address, prefix, type));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("has '" + cidr + "', which is not an IP address or CIDR");
            }
        }
        return rules;
    }
}

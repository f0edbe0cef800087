package dev.caravan.routing;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import java.util.AbstractList;
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
        Parsed rules = new Parsed(type);
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
                rules.rules.add(new IpSubnetFilterRule(address, prefix, type));
                rules.written.add(address.toLowerCase(java.util.Locale.ROOT) + "/" + prefix);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("has '" + cidr + "', which is not an IP address or CIDR");
            }
        }
        return rules;
    }

    /** An unmodifiable list of {@code rules}: a parsed list as it is (it is one), keeping its equality. */
    public static List<IpSubnetFilterRule> copyOf(List<IpSubnetFilterRule> rules) {
        return rules instanceof Parsed ? rules : List.copyOf(rules);
    }

    /**
     * The rules, equal to another list of them when made of the same networks: Netty's rules have no equality of
     * their own, and a policy compiled again from the same annotations must be the same policy.
     */
    private static final class Parsed extends AbstractList<IpSubnetFilterRule> {

        private final IpFilterRuleType type;
        private final List<IpSubnetFilterRule> rules = new ArrayList<>();
        private final List<String> written = new ArrayList<>();

        Parsed(IpFilterRuleType type) {
            this.type = type;
        }

        @Override
        public IpSubnetFilterRule get(int index) {
            return rules.get(index);
        }

        @Override
        public int size() {
            return rules.size();
        }

        @Override
        public boolean equals(Object other) {
            // no other list of rules is equal but an empty one: rules have no equality of their own
            return other instanceof Parsed parsed ? parsed.type == type && parsed.written.equals(written)
                    : other instanceof List<?> list && list.isEmpty() && written.isEmpty();
        }

        @Override
        public int hashCode() {
            return written.hashCode();
        }
    }
}

package dev.caravan.gateway;

import dev.caravan.routing.Networks;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * ingress-nginx's global filters, {@code block-cidrs}, {@code block-user-agents} and {@code block-referers}: a request
 * from one of these clients (as the source ranges see it), or whose {@code User-Agent} or {@code Referer} is one of
 * these, gets 403 whatever it asks for. Values as nginx's {@code map} reads them: {@code ~regex}, {@code ~*regex}
 * (ignoring case), else the whole value ignoring case.
 */
public final class RequestBlocks {

    private final List<IpSubnetFilterRule> clients;
    private final List<Predicate<String>> userAgents;
    private final List<Predicate<String>> referers;

    private RequestBlocks(List<IpSubnetFilterRule> clients, List<Predicate<String>> userAgents,
            List<Predicate<String>> referers) {
        this.clients = clients;
        this.userAgents = userAgents;
        this.referers = referers;
    }

    /**
     * The filters of these comma-separated lists, each {@code null} or empty for none; {@code null} when there are
     * none at all.
     *
     * @throws IllegalArgumentException naming what is not a network or a regular expression
     */
    public static RequestBlocks of(String cidrs, String userAgents, String referers) {
        RequestBlocks blocks = new RequestBlocks(
                cidrs == null ? List.of() : Networks.parse(cidrs, IpFilterRuleType.REJECT),
                values(userAgents), values(referers));
        return blocks.clients.isEmpty() && blocks.userAgents.isEmpty() && blocks.referers.isEmpty() ? null : blocks;
    }

    private static List<Predicate<String>> values(String list) {
        List<Predicate<String>> matchers = new ArrayList<>();
        if (list == null) {
            return matchers;
        }
        for (String item : list.split(",")) {
            String value = item.trim();
            if (value.isEmpty()) {
                continue;
            }
            try {
                if (value.startsWith("~*")) {
                    matchers.add(Pattern.compile(value.substring(2), Pattern.CASE_INSENSITIVE).asPredicate());
                } else if (value.startsWith("~")) {
                    matchers.add(Pattern.compile(value.substring(1)).asPredicate());
                } else {
                    matchers.add(value::equalsIgnoreCase);
                }
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("'" + value + "' is not a regular expression: "
                        + e.getDescription());
            }
        }
        return List.copyOf(matchers);
    }

    /** Whether the request is refused. */
    boolean blocks(InetSocketAddress client, HttpHeaders headers) {
        for (IpSubnetFilterRule network : clients) {
            if (client != null && network.matches(client)) {
                return true;
            }
        }
        return matches(userAgents, headers, HttpHeaderNames.USER_AGENT)
                || matches(referers, headers, HttpHeaderNames.REFERER);
    }

    /**
     * Whether any line of the header matches: a second line cannot hide the first. A header the request lacks is
     * empty, as an nginx variable: {@code ~^$} blocks requests without it.
     */
    private static boolean matches(List<Predicate<String>> matchers, HttpHeaders headers, CharSequence name) {
        if (matchers.isEmpty()) {
            return false;
        }
        List<String> values = headers.getAll(name);
        for (String value : values.isEmpty() ? List.of("") : values) {
            for (Predicate<String> matcher : matchers) {
                if (matcher.test(value)) {
                    return true;
                }
            }
        }
        return false;
    }
}

package dev.caravan.gateway;

import dev.caravan.routing.Backend;
import dev.caravan.routing.PathRule;
import dev.caravan.routing.RouteMatch;
import dev.caravan.routing.RoutePolicy;
import dev.caravan.routing.RoutingTable;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * What let an upgraded connection (a WebSocket) in: the request's host and path, the client, and the access rules
 * it passed. An upgraded connection outlives the request, so after each routing-table change it is asked again
 * whether the table would still send the request to the same backend under the same access rules: an Ingress
 * deleted, pointed elsewhere or given narrower source ranges or other authentication would refuse it, and so
 * closes its WebSockets, as nginx's old workers close theirs after a reload.
 *
 * @param host               the request's host as the client sent it
 * @param path               its normalized path, before any rewrite
 * @param client             the client's address, as the source ranges read it
 * @param backend            the name of the backend it went to
 * @param policy             the policy of the rule that admitted it
 * @param clientCertificates the client certificates its host asked for, or {@code null}
 */
record UpgradeAdmission(String host, String path, InetSocketAddress client, String backend, RoutePolicy policy,
        RoutePolicy.ClientCertificates clientCertificates) {

    /** Why {@code table} would not admit the request again, or {@code null} when it would. */
    String refusal(RoutingTable table) {
        RouteMatch match = table.resolve(host, path);
        PathRule rule = match.rule();
        if (!routesTo(match, rule)) {
            return "its Ingress rule no longer routes " + host + path + " to " + backend;
        }
        RoutePolicy now = rule == null ? RoutePolicy.NONE : rule.policy();
        if (now.denied()) {
            return "its Ingress's access control could not be applied as last edited";
        }
        if (!Objects.equals(clientCertificates, match.host() == null ? null : match.host().clientCertificates())
                || !sameAuthentication(now)) {
            return "the authentication its host or path asks for changed";
        }
        boolean sourcesChanged = !now.allowedSources().equals(policy.allowedSources())
                || !now.deniedSources().equals(policy.deniedSources());
        if (sourcesChanged && !admitsBySource(now)) {
            return "the source ranges no longer admit " + client.getAddress().getHostAddress();
        }
        return null;
    }

    private boolean routesTo(RouteMatch match, PathRule rule) {
        if (named(match.backend())) {
            return true;
        }
        return rule != null && rule.canary() != null && named(rule.canary().backend());
    }

    private boolean named(Backend candidate) {
        return candidate != null && candidate.name().equals(backend);
    }

    private boolean sameAuthentication(RoutePolicy now) {
        return Objects.equals(now.userAuth(), policy.userAuth()) && Objects.equals(now.externalAuth(),
                policy.externalAuth()) && Objects.equals(now.requestRoute(), policy.requestRoute())
                && now.satisfyAny() == policy.satisfyAny();
    }

    /**
     * Whether the source ranges alone would let the client in. Under {@code satisfy: any} with authentication the
     * client may have been let in by authentication instead, which cannot be told now: only the allow-list's word
     * is taken then.
     */
    private boolean admitsBySource(RoutePolicy now) {
        boolean authenticated = now.userAuth() != null || now.externalAuth() != null;
        return now.satisfyAny() && authenticated ? now.allowListAdmits(client) : now.admits(client);
    }
}

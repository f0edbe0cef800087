package dev.caravan.gateway;

import dev.caravan.routing.Backend;
import dev.caravan.routing.PathRule;
import dev.caravan.routing.RouteMatch;
import dev.caravan.routing.RoutePolicy;
import dev.caravan.routing.RoutingTable;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * What let an upgraded connection (a WebSocket) in: the request's host and path, the client, and the access rules
 * it passed. An upgraded connection outlives the request, so after each routing-table change it is asked again
 * whether the table would still send the request to the same backend and let the client in: an Ingress deleted or
 * pointed elsewhere, other authentication, source ranges that no longer admit the client or client certificate
 * authorities that no longer accept its certificate close its WebSockets, as nginx's old workers close theirs after a
 * reload. What would not change the answer for this client (another user in an htpasswd Secret, auth-url's caching, an
 * unrelated source range) leaves it open.
 *
 * @param admittedBy         the routing table the request was routed by
 * @param host               the request's host as the client sent it
 * @param path               its normalized path, before any rewrite
 * @param client             the client's address, as the source ranges read it
 * @param backend            the name of the backend it went to
 * @param policy             the policy of the rule that admitted it
 * @param clientCertificates the client certificates its host asked for, or {@code null}
 * @param byAllowList        whether, under {@code satisfy: any}, the allow-list let it in rather than authentication
 * @param user               the user its basic or digest credentials named, or {@code null}
 */
record UpgradeAdmission(RoutingTable admittedBy, String host, String path, InetSocketAddress client, String backend,
        RoutePolicy policy, RoutePolicy.ClientCertificates clientCertificates, boolean byAllowList, String user) {

    /**
     * Why {@code table} would not admit the request again, or {@code null} when it would.
     *
     * @param connection the client's connection; its certificate is checked again only on its event loop
     * @param accepted   the client certificates its certificate was last found good for
     */
    String refusal(RoutingTable table, Channel connection, boolean https, RoutePolicy.ClientCertificates accepted) {
        RouteMatch match = table.resolve(host, path);
        PathRule rule = match.rule();
        if (!routesTo(match, rule)) {
            return "its Ingress rule no longer routes " + host + path + " to " + backend;
        }
        RoutePolicy now = rule == null ? RoutePolicy.NONE : rule.policy();
        if (now.denied()) {
            return "its Ingress's access control could not be applied as last edited";
        }
        if (!sameAuthentication(now)) {
            return "the authentication its path asks for changed";
        }
        if (!sameUser(now.userAuth())) {
            return "its user " + user + " was removed from the auth-secret or given another password";
        }
        String certificates = certificateRefusal(match.host() == null ? null : match.host().clientCertificates(),
                accepted, connection, https);
        if (certificates != null) {
            return certificates;
        }
        boolean sourcesChanged = !now.allowedSources().equals(policy.allowedSources())
                || !now.deniedSources().equals(policy.deniedSources());
        if (sourcesChanged && !admitsBySource(now)) {
            return "the source ranges no longer admit " + client.getAddress().getHostAddress();
        }
        return null;
    }

    /** Whether the request still goes to its backend: the rule's, its default-backend or its canary. */
    private boolean routesTo(RouteMatch match, PathRule rule) {
        return named(match.backend()) || rule != null && (named(rule.backend()) || named(rule.fallback())
                || rule.canary() != null && named(rule.canary().backend()));
    }

    private boolean named(Backend candidate) {
        return candidate != null && candidate.name().equals(backend);
    }

    /** Whether the user who authenticated is in the users read now, as then. */
    private boolean sameUser(RoutePolicy.UserAuth now) {
        RoutePolicy.UserAuth then = policy.userAuth();
        if (user == null || then == null || now == null || then.users() == null || now.users() == null
                || then.users() == now.users()) {
            return true;
        }
        Object entry = now.users().entryOf(user);
        return entry != null && entry.equals(then.users().entryOf(user));
    }

    /** The same kinds of authentication, whatever their other users or caching: the client passed them. */
    private boolean sameAuthentication(RoutePolicy now) {
        RoutePolicy.UserAuth was = policy.userAuth();
        RoutePolicy.UserAuth is = now.userAuth();
        boolean users = was == null ? is == null : is != null && was.withUsers(null).equals(is.withUsers(null));
        RoutePolicy.ExternalAuth asked = policy.externalAuth();
        RoutePolicy.ExternalAuth asks = now.externalAuth();
        boolean external = asked == null ? asks == null
                : asks != null && asked.url().equals(asks.url()) && Objects.equals(asked.method(), asks.method());
        return users && external && Objects.equals(now.requestRoute(), policy.requestRoute())
                && now.satisfyAny() == policy.satisfyAny();
    }

    /**
     * Why the host's client certificates would refuse the connection now: other settings refuse it; other
     * authorities (a CA added, a revocation list renewed) have its certificate checked again, on its event loop.
     */
    private String certificateRefusal(RoutePolicy.ClientCertificates now, RoutePolicy.ClientCertificates accepted,
            Channel connection, boolean https) {
        if (Objects.equals(now, accepted)) {
            return null;
        }
        if (now == null || accepted == null || !now.withAuthority(null).equals(accepted.withAuthority(null))) {
            return "the client certificates its host asks for changed";
        }
        if (!connection.eventLoop().inEventLoop()) {
            return "its host's client certificate authorities changed";
        }
        return ClientCertificateCheck.check(now, connection, https, host, new DefaultHttpHeaders(), false, false) == null
                ? null : "its host's client certificate authorities no longer accept its certificate";
    }

    /**
     * Whether the source ranges alone would let the client in; under {@code satisfy: any} with authentication, only
     * for a client the allow-list let in: one authentication let in is in whatever the ranges say.
     */
    private boolean admitsBySource(RoutePolicy now) {
        boolean authenticated = now.userAuth() != null || now.externalAuth() != null;
        if (now.satisfyAny() && authenticated) {
            return !byAllowList || now.allowListAdmits(client);
        }
        return now.admits(client);
    }
}

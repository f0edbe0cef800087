package dev.caravan.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** nginx's 301 of /api to a prefix location /api/, as ingress-nginx's ImplementationSpecific paths get it. */
class SlashRedirectTest {

    private static final ObjectRef INGRESS = new ObjectRef("default", "web");

    private static PathRule rule(PathType type, String path, String service) {
        return new PathRule(type, path, new Backend("default/" + service + ":80",
                List.of(new InetSocketAddress("127.0.0.2", 8080))), INGRESS);
    }

    private static PathRule matched(String requestPath, PathRule... rules) {
        return new HostRoutes(List.of(rules), null).match(requestPath);
    }

    @Test
    void anImplementationSpecificPathEndingInASlashRedirectsThePathWithoutIt() {
        PathRule api = rule(PathType.IMPLEMENTATION_SPECIFIC, "/api/", "api");
        PathRule root = rule(PathType.PREFIX, "/", "root");
        assertThat(matched("/api", api, root)).isSameAs(api);
        assertThat(api.redirectsToSlash("/api")).isTrue();
        assertThat(api.redirectsToSlash("/api/")).isFalse();
        assertThat(api.redirectsToSlash("/api/x")).isFalse();
        assertThat(matched("/apis", api, root)).isSameAs(root);
    }

    @Test
    void aPathThatIsTheRequestsOwnWinsOverTheRedirect() {
        PathRule slash = rule(PathType.IMPLEMENTATION_SPECIFIC, "/api/", "slash");
        for (PathType type : PathType.values()) {
            PathRule own = rule(type, "/api", "own");
            assertThat(matched("/api", slash, own)).as(type.name()).isSameAs(own);
            assertThat(matched("/api/x", slash, own)).as(type.name()).isSameAs(type == PathType.EXACT ? slash
                    : type == PathType.PREFIX ? own : slash);
        }
    }

    @Test
    void noOtherPathTypeRedirectsAndADeniedLocationNeither() {
        PathRule root = rule(PathType.PREFIX, "/", "root");
        // the Ingress API: a Prefix /api/ is /api's too; an Exact /api/ is not
        PathRule prefix = rule(PathType.PREFIX, "/api/", "prefix");
        assertThat(matched("/api", prefix, root)).isSameAs(prefix);
        assertThat(prefix.redirectsToSlash("/api")).isFalse();
        assertThat(matched("/api", rule(PathType.EXACT, "/api/", "exact"), root)).isSameAs(root);
        // nginx's "return 503" location has no proxy_pass, so no redirect: /api is another location's
        PathRule denied = new PathRule(PathType.IMPLEMENTATION_SPECIFIC, "/api/", root.backend(), INGRESS,
                RoutePolicy.NONE.deny(false), null, null, null);
        assertThat(matched("/api", denied, root)).isSameAs(root);
        assertThat(matched("/api/x", denied, root)).isSameAs(denied);
    }
}

package dev.caravan.gateway;

import dev.caravan.routing.BoundedInput;
import dev.caravan.routing.PathRule;
import dev.caravan.routing.PercentEncoding;
import dev.caravan.routing.RoutePolicy;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.regex.Matcher;

/**
 * Applies a matched rule's {@link RoutePolicy} to a request, the way ingress-nginx's generated
 * configuration does: redirects and app-root answer locally; rewrite-target, x-forwarded-prefix and
 * upstream-vhost change what is sent upstream.
 */
final class RoutePolicies {

    /** ingress-nginx's no-tls-redirect-locations: rules whose path starts so are not redirected to HTTPS. */
    private static final String ACME_CHALLENGE = "/.well-known/acme-challenge";

    private RoutePolicies() {
    }

    /**
     * The redirect (308 unless --http-redirect-code) of a plain-HTTP request to HTTPS, or {@code null}: as ingress-nginx, when the host has TLS
     * (unless {@code ssl-redirect: "false"}) or {@code force-ssl-redirect} says so, except for the rules of ACME
     * HTTP-01 solvers (a path starting with {@code /.well-known/acme-challenge}: the rule's, not the request's, as
     * ingress-nginx exempts locations); the URI keeps its trailing slash only with {@code preserve-trailing-slash}.
     *
     * @param rulePath the path of the rule the request matched, or {@code null}
     */
    static FullHttpResponse sslRedirect(int status, RoutePolicy.SslRedirect redirect, boolean hostHasTls, String host,
            String rulePath, String requestUri, int httpsPort, boolean keepAlive, boolean head) {
        if (!redirect.applies(hostHasTls) || host == null || rulePath != null && rulePath.startsWith(ACME_CHALLENGE)) {
            return null;
        }
        String uri = !redirect.preserveTrailingSlash() && requestUri.endsWith("/")
                ? requestUri.substring(0, requestUri.length() - 1) : requestUri;
        String location = "https://" + host + (httpsPort == 443 ? "" : ":" + httpsPort) + uri;
        return LocalResponses.redirect(HttpResponseStatus.valueOf(status), location, keepAlive, head);
    }

    /**
     * The redirect (308 unless --http-redirect-code) of a request to a host that {@code from-to-www-redirect} sends to {@code host}: as ingress-nginx, the
     * scheme and URI are kept, but for a trailing slash; the port the client named is kept too.
     */
    static FullHttpResponse wwwRedirect(int status, String host, String scheme, RequestTarget target,
            String requestUri, boolean keepAlive, boolean head) {
        String authority = target.authority();
        String port = "";
        if (authority != null && target.host() != null && authority.length() > target.host().length() + 1) {
            port = authority.substring(target.host().length());
        }
        String uri = requestUri.endsWith("/") ? requestUri.substring(0, requestUri.length() - 1) : requestUri;
        return LocalResponses.redirect(HttpResponseStatus.valueOf(status), scheme + "://" + host + port + uri,
                keepAlive, head);
    }

    /** The host's app-root redirect of {@code /} (ingress-nginx applies it to the whole server), or {@code null}. */
    static FullHttpResponse appRoot(String appRoot, String scheme, RequestTarget target, String path,
            boolean keepAlive, boolean head) {
        if (appRoot == null || !path.equals("/") || target.authority() == null) {
            return null;
        }
        return LocalResponses.redirect(HttpResponseStatus.FOUND, scheme + "://" + target.authority() + appRoot,
                keepAlive, head);
    }

    /** Sets the CORS response headers for an allowed origin (overwriting the pod's, as more_set_headers). */
    static void addCors(RoutePolicy.Cors cors, String allowedOrigin, HttpResponse response) {
        HttpHeaders headers = response.headers();
        headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, allowedOrigin);
        if (cors.credentials()) {
            headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        }
        headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, cors.methods());
        headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, cors.headers());
        if (cors.exposeHeaders() != null) {
            headers.set(HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, cors.exposeHeaders());
        }
        headers.set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, cors.maxAge());
        if (!allowedOrigin.equals("*")) {
            headers.add(HttpHeaderNames.VARY, HttpHeaderNames.ORIGIN);
        }
    }

    /**
     * Changes what goes upstream: the rewritten URI, then the headers the policy sets.
     *
     * @param vhost the {@code Host} upstream-vhost makes for this request, or {@code null}
     */
    static void applyUpstream(PathRule rule, HttpRequest request, String rewrittenTarget, String vhost) {
        RoutePolicy policy = rule.policy();
        if (rewrittenTarget != null) {
            request.setUri(rewrittenTarget);
            // as ingress-nginx: the prefix is only sent along with a rewrite
            if (policy.forwardedPrefix() != null) {
                request.headers().set("X-Forwarded-Prefix", policy.forwardedPrefix());
            }
        }
        if (vhost != null) {
            request.headers().set(HttpHeaderNames.HOST, vhost);
        }
    }

    /**
     * nginx's {@code rewrite "(?i)^path" target break;}: when the rule's regex matches the normalised
     * path, the whole path becomes the target with {@code $n} replaced by capture group n (empty if
     * there is no such group); the query is kept, after the target's own if it has one.
     */
    static String rewrite(PathRule rule, String normalizedPath, String uri) {
        Matcher matcher = rule.regex().matcher(normalizedPath);
        try {
            if (!matcher.lookingAt()) {
                return uri;
            }
        } catch (BoundedInput.Exhausted overBudget) {
            return uri;
        }
        String target = rule.policy().rewriteTarget();
        // as nginx: a target ending in '?' drops the request's query, and the '?'
        boolean keepQuery = !target.endsWith("?");
        if (!keepQuery) {
            target = target.substring(0, target.length() - 1);
        }
        int query = uri.indexOf('?');
        // as nginx: a capture in the target's query is escaped when the client's path had escapes or a '+' in it, so
        // that /shop/x%26admin%3D1 gives route=x%26admin=1, one parameter, and a '+' stays a '+'
        boolean escapeInQuery = uri.lastIndexOf('%', query < 0 ? uri.length() : query) >= 0
                || uri.lastIndexOf('+', query < 0 ? uri.length() : query) >= 0;
        StringBuilder path = new StringBuilder();
        boolean inQuery = false;
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c == '$' && i + 1 < target.length() && Character.isDigit(target.charAt(i + 1))) {
                int group = target.charAt(++i) - '0';
                String captured = group <= matcher.groupCount() && matcher.group(group) != null
                        ? matcher.group(group).toString() : null;
                if (captured != null) {
                    // a piece of the decoded path, escaped again for the request line
                    path.append(inQuery && escapeInQuery ? PercentEncoding.queryValue(captured)
                            : PercentEncoding.path(captured));
                }
            } else {
                inQuery |= c == '?';
                path.append(c);
            }
        }
        if (keepQuery && query >= 0 && query + 1 < uri.length()) {
            path.append(path.indexOf("?") >= 0 ? '&' : '?').append(uri, query + 1, uri.length());
        }
        return path.isEmpty() || path.charAt(0) != '/' ? "/" + path : path.toString();
    }
}

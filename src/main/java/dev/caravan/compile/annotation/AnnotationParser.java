package dev.caravan.compile.annotation;

import dev.caravan.auth.Users;
import dev.caravan.compile.IngressValidator;
import dev.caravan.routing.AuthCaching;
import dev.caravan.routing.Networks;
import dev.caravan.routing.NginxTemplate;
import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.RequestKey;
import dev.caravan.routing.ResponseRewrite;
import dev.caravan.routing.RoutePolicy;
import dev.caravan.routing.SettableHeaders;
import dev.caravan.routing.UrlTemplate;
import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import java.time.Duration;
import dev.caravan.upstream.NextUpstream;
import dev.caravan.upstream.UpstreamClient;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Parses an Ingress's {@code nginx.ingress.kubernetes.io/*} annotations, once, into a typed
 * {@link RoutePolicy}, with ingress-nginx's value syntax. Values are data: nothing is ever evaluated
 * as code, template or expression; a rewrite target's only placeholders are {@code $1…$9} capture groups.
 */
public final class AnnotationParser {

    /** A host name with an optional port, as the annotations naming a host take it. */
    private static final Pattern HOST_AND_PORT = Pattern.compile("[A-Za-z0-9.-]+(:[0-9]{1,5})?");

    /** The policy and what was wrong on the way. */
    public record Parsed(RoutePolicy policy, List<AnnotationFinding> findings) {

        public boolean blocked() {
            return findings.stream().anyMatch(AnnotationFinding::blocking);
        }
    }

    /** Caravan's own annotation naming an Ingress's request interceptor. */
    public static final String REQUEST_ROUTE = "caravan.dev/request-route";
    private static final Pattern ROUTE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,252}");


    private AnnotationParser() {
    }

    /** @param namespace the Ingress's namespace, where the Secrets its annotations name must be */
    public static Parsed parse(Map<String, String> annotations, String namespace) {
        return parse(annotations, namespace, false);
    }

    /**
     * @param namespace      the Ingress's namespace
     * @param crossNamespace whether its annotations may name Secrets of other namespaces
     *                       ({@code --allow-cross-namespace-resources}); else they must be in {@code namespace}
     */
    public static Parsed parse(Map<String, String> annotations, String namespace, boolean crossNamespace) {
        List<AnnotationFinding> findings = new ArrayList<>();
        Map<String, String> ours = new TreeMap<>();
        if (annotations != null) {
            annotations.forEach((name, value) -> {
                if (name.startsWith(AnnotationCatalog.PREFIX)) {
                    ours.put(name.substring(AnnotationCatalog.PREFIX.length()), value == null ? "" : value.trim());
                }
            });
        }
        for (String name : ours.keySet()) {
            AnnotationCatalog.Entry entry = AnnotationCatalog.lookup(name);
            if (entry.support() == AnnotationCatalog.Support.UNSUPPORTED && !entry.inherent(ours.get(name))) {
                findings.add(new AnnotationFinding(AnnotationCatalog.PREFIX + name, AnnotationFinding.Kind.UNSUPPORTED,
                        entry.note()));
            } else if (entry.support() == AnnotationCatalog.Support.REFUSED && !ours.get(name).isBlank()) {
                // an empty snippet (as charts render an unset value) asks for nothing, as ingress-nginx reads it
                findings.add(new AnnotationFinding(AnnotationCatalog.PREFIX + name, AnnotationFinding.Kind.REFUSED,
                        entry.note()));
            }
        }
        Values values = new Values(ours, findings, crossNamespace);
        String rewriteTarget = values.path("rewrite-target", true);
        boolean useRegex = values.bool("use-regex");
        String appRoot = values.path("app-root", false);
        RoutePolicy.Redirect redirect = redirect(values);
        String prefix = values.headerValue("x-forwarded-prefix");
        RequestKey vhost = values.hostTemplate("upstream-vhost");
        long bodySize = values.size("proxy-body-size");
        Duration connect = values.seconds("proxy-connect-timeout");
        Duration read = values.seconds("proxy-read-timeout");
        RoutePolicy.Affinity affinity = affinity(values);
        RequestKey hashBy = values.requestKey("upstream-hash-by");
        if (hashBy != null && values.bool("upstream-hash-by-subset")) {
            hashBy = hashBy.withSubsets(values.integer("upstream-hash-by-subset-size", 1, 1000, 3));
        }
        List<IpSubnetFilterRule> allowed = values.networks("allowlist-source-range", IpFilterRuleType.ACCEPT);
        if (allowed.isEmpty()) {
            allowed = values.networks("whitelist-source-range", IpFilterRuleType.ACCEPT);
        }
        List<IpSubnetFilterRule> denied = values.networks("denylist-source-range", IpFilterRuleType.REJECT);
        RoutePolicy policy = new RoutePolicy(rewriteTarget, useRegex, appRoot, redirect,
                prefix, vhost, bodySize, connect, read, values.seconds("proxy-send-timeout"), affinity, hashBy, allowed, denied,
                values.bool("service-upstream"), cors(values), rateLimit(values), httpsUpstream(values),
                nextUpstream(values), values.serviceName("default-backend"), canary(values), ewma(values),
                values.statuses("custom-http-errors"), sslRedirect(values), values.bool("ssl-passthrough"),
                proxySsl(values, namespace), values.bool("enable-access-log", true), requestRoute(annotations, findings),
                externalAuth(values, namespace), userAuth(values, namespace), grpcUpstream(values), values.hosts("server-alias"),
                values.bool("from-to-www-redirect"), clientCertificates(values, namespace), satisfyAny(values),
                maxResponseHead(values), responseRewrite(values), customHeaders(values, namespace), false,
                mirror(values));
        return new Parsed(policy, List.copyOf(findings));
    }

    /**
     * {@code proxy-buffer-size}, which users raise for pods with large response heads (big cookies, tokens): the head's
     * limit, rounded up to a power of two, never below Caravan's default, which is already above nginx's 4k, nor above
     * 1m.
     */
    private static int maxResponseHead(Values values) {
        long size = values.size("proxy-buffer-size");
        if (size <= UpstreamClient.MAX_RESPONSE_HEAD) {
            return 0;
        }
        if (size >= UpstreamClient.LARGEST_RESPONSE_HEAD) {
            // what nginx would take is served up to the most Caravan reads; a larger head gets 502, and its log says so
            return UpstreamClient.LARGEST_RESPONSE_HEAD;
        }
        // in steps, so that routes asking alike share their pods' connections: 64k, 128k, ... 1m
        return Integer.highestOneBit((int) size - 1) << 1;
    }

    /**
     * proxy-redirect-from/-to, proxy-cookie-domain and proxy-cookie-path, as ingress-nginx writes them into nginx's
     * proxy_redirect and proxy_cookie_*: {@code off} (the default) or literal text; nginx's variables and regexes are
     * not evaluated here, so a value with {@code $} or starting with {@code ~} is invalid. {@code proxy-redirect-from:
     * default} rewrites what the pods never send (nginx's own upstream name), so nothing.
     */
    private static ResponseRewrite responseRewrite(Values values) {
        String redirectFrom = values.get("proxy-redirect-from");
        String redirectTo = values.get("proxy-redirect-to");
        if (redirectFrom == null || redirectFrom.equals("off") || redirectFrom.equals("default") || redirectTo == null
                || redirectTo.equals("off")) {
            redirectFrom = null;
            redirectTo = null;
        } else if (!literalOrEvaluated(values, "proxy-redirect-from", redirectFrom)
                || !literalOrEvaluated(values, "proxy-redirect-to", redirectTo)) {
            redirectFrom = null;
            redirectTo = null;
        }
        String[] domain = replacement(values, "proxy-cookie-domain");
        if (domain != null) {
            // as nginx: a leading dot is no part of a domain to match or to write
            domain = new String[] {withoutLeadingDot(domain[0]), withoutLeadingDot(domain[1])};
        }
        String[] path = replacement(values, "proxy-cookie-path");
        if (redirectFrom == null && domain == null && path == null) {
            return null;
        }
        return new ResponseRewrite(redirectFrom, redirectTo, domain == null ? null : domain[0],
                domain == null ? null : domain[1], path == null ? null : path[0], path == null ? null : path[1]);
    }

    private static String withoutLeadingDot(String domain) {
        return domain.length() > 1 && domain.charAt(0) == '.' ? domain.substring(1) : domain;
    }

    /** {@code off} or {@code FROM TO}: the two words, or {@code null}. */
    private static String[] replacement(Values values, String name) {
        String value = values.get(name);
        if (value == null || value.equals("off")) {
            return null;
        }
        String[] words = value.split("\\s+");
        if (words.length != 2) {
            values.invalid(name, "is not off or FROM TO");
            return null;
        }
        return literalOrEvaluated(values, name, words[0]) && literalOrEvaluated(values, name, words[1]) ? words : null;
    }

    /**
     * Whether {@code text} is literal text Caravan can use. nginx's variables ({@code $host}) and regexes ({@code ~})
     * are not evaluated here: the Ingress is served without the annotation, with a Warning, as ingress-nginx from
     * 1.12 on ignores what its validation refuses; anything else unusable (spaces, control characters) is invalid.
     */
    private static boolean literalOrEvaluated(Values values, String name, String text) {
        if (text.charAt(0) == '~' || text.indexOf('$') >= 0) {
            values.unsupported(name, "'" + values.get(name) + "': nginx's variables and regexes are not evaluated"
                    + " by Caravan; served without it");
            return false;
        }
        if (!literal(text)) {
            values.invalid(name, "is not literal text (no spaces, control characters, ';' or ',')");
            return false;
        }
        return true;
    }

    private static boolean literal(String text) {
        if (text.isEmpty() || text.charAt(0) == '~') {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c <= ' ' || c == 0x7f || c == '$' || c == ';' || c == ',') {
                return false;
            }
        }
        return true;
    }

    /** {@code satisfy}: {@code all} (the default) or {@code any}, spelt as ingress-nginx takes them. */
    private static boolean satisfyAny(Values values) {
        String satisfy = values.get("satisfy");
        if (satisfy == null || satisfy.equals("all")) {
            return false;
        }
        if (!satisfy.equals("any")) {
            values.invalid("satisfy", "is not all or any");
        }
        return satisfy.equals("any");
    }

    /**
     * {@code caravan.dev/request-route}: a route id, which is all an Ingress can say of a route; an invalid
     * one blocks the Ingress, as an interceptor may be its access check. So does an empty one: a template that
     * rendered no id would otherwise take the check away unsaid.
     */
    private static String requestRoute(Map<String, String> annotations, List<AnnotationFinding> findings) {
        String value = annotations == null ? null : annotations.get(REQUEST_ROUTE);
        if (value == null) {
            return null;
        }
        String route = value.trim();
        if (route.isEmpty()) {
            findings.add(new AnnotationFinding(REQUEST_ROUTE, AnnotationFinding.Kind.INVALID,
                    "is empty: it names no route (remove the annotation to run none)"));
            return null;
        }
        if (!ROUTE_ID.matcher(route).matches()) {
            findings.add(new AnnotationFinding(REQUEST_ROUTE, AnnotationFinding.Kind.INVALID,
                    "'" + route + "' is not a route id (letters, digits, '.', '_' and '-', at most 253)"));
            return null;
        }
        return route;
    }

    /**
     * auth-type: basic or digest with auth-secret (same namespace), auth-secret-type and auth-realm. The Secret is
     * read by the compiler.
     */
    private static RoutePolicy.UserAuth userAuth(Values values, String namespace) {
        String type = values.get("auth-type");
        if (type == null) {
            return null;
        }
        if (!type.equals("basic") && !type.equals("digest")) {
            values.invalid("auth-type", "is not basic or digest");
            return null;
        }
        String secretType = values.get("auth-secret-type");
        if (secretType != null && !secretType.equals("auth-file") && !secretType.equals("auth-map")) {
            values.invalid("auth-secret-type", "is not auth-file or auth-map");
            return null;
        }
        String secret = values.get("auth-secret");
        if (secret == null) {
            values.invalid("auth-type", "needs auth-secret, the Secret of users");
            return null;
        }
        ObjectRef ref = values.namespacedRef("auth-secret", namespace);
        if (ref == null) {
            return null;
        }
        String realm = values.get("auth-realm");
        if (realm != null && !Users.quotableRealm(realm)) {
            values.invalid("auth-realm", "has characters the quoted realm of a challenge cannot carry");
            return null;
        }
        return new RoutePolicy.UserAuth(ref, "auth-map".equals(secretType), realm == null ? "" : realm,
                type.equals("digest"), null);
    }

    /**
     * auth-tls-secret (same namespace) and the auth-tls-* that say how it is used; without the Secret they mean
     * nothing, as in ingress-nginx. The Secret is read by the compiler; an invalid value makes the Ingress
     * invalid rather than served with less authentication than it asks for.
     */
    private static RoutePolicy.ClientCertificates clientCertificates(Values values, String namespace) {
        if (values.get("auth-tls-secret") == null) {
            for (String name : new String[] {"auth-tls-verify-client", "auth-tls-verify-depth", "auth-tls-error-page",
                "auth-tls-pass-certificate-to-upstream", "auth-tls-match-cn"}) {
                if (values.get(name) != null) {
                    // the Ingress asks for client certificates with no authority to check them: not served unprotected
                    values.invalid(name, "needs auth-tls-secret, the Secret whose ca.crt issues client certificates");
                }
            }
            return null;
        }
        ObjectRef ref = values.namespacedRef("auth-tls-secret", namespace);
        String verify = values.get("auth-tls-verify-client");
        RoutePolicy.ClientCertificates.Verify mode = RoutePolicy.ClientCertificates.Verify.ON;
        if (verify != null) {
            switch (verify) {
                case "on" -> mode = RoutePolicy.ClientCertificates.Verify.ON;
                case "off" -> mode = RoutePolicy.ClientCertificates.Verify.OFF;
                case "optional" -> mode = RoutePolicy.ClientCertificates.Verify.OPTIONAL;
                case "optional_no_ca" -> mode = RoutePolicy.ClientCertificates.Verify.OPTIONAL_NO_CA;
                default -> values.invalid("auth-tls-verify-client", "is not on, off, optional or optional_no_ca");
            }
        }
        // as ingress-nginx: 0 is the default, 1
        int depth = Math.max(1, values.integer("auth-tls-verify-depth", 0, 100, 1));
        String errorPage = values.url("auth-tls-error-page");
        if (errorPage != null && errorPage.startsWith("/")) {
            // nginx serves a path internally; a redirect to it on the same host would fail the same way, again
            values.invalid("auth-tls-error-page", "is a path; Caravan redirects to an error page, so it must be an"
                    + " http(s) URL");
            errorPage = null;
        }
        Pattern subject = null;
        String match = values.get("auth-tls-match-cn");
        if (match != null) {
            try {
                subject = match.contains("CN=") ? Pattern.compile(match) : null;
            } catch (PatternSyntaxException e) {
                // reported below
            }
            if (subject == null) {
                values.invalid("auth-tls-match-cn", "is not a regular expression with CN= in it");
            }
        }
        boolean pass = values.bool("auth-tls-pass-certificate-to-upstream");
        return ref == null ? null
                : new RoutePolicy.ClientCertificates(ref, mode, depth, errorPage, pass, subject, null);
    }

    /**
     * mirror-target, mirror-host and mirror-request-body; without a target they mean nothing, as in ingress-nginx. The
     * target's scheme and host must be written out: a request's values only go into its path and query, so that no
     * client chooses where its copies go.
     */
    private static RoutePolicy.Mirror mirror(Values values) {
        String target = values.get("mirror-target");
        if (target == null) {
            return null;
        }
        UrlTemplate url = null;
        String wrong;
        try {
            url = Values.printable(target) ? UrlTemplate.parse(target) : null;
            wrong = url == null ? "has characters a URL cannot carry"
                    : url.fixedAuthority() ? null
                    : "must write out its scheme and host; variables may follow them (as https://mirror.example.com"
                            + "$request_uri)";
        } catch (IllegalArgumentException e) {
            wrong = e.getMessage();
        }
        if (wrong != null) {
            // as ingress-nginx, which serves the Ingress without a mirror whose target is invalid
            values.ignored("mirror-target", wrong + "; requests are not mirrored");
            return null;
        }
        String host = values.get("mirror-host");
        if (host != null && !HOST_AND_PORT.matcher(host).matches()) {
            values.ignored("mirror-host", "is not a host name; the target's host is sent instead");
            host = null;
        }
        String body = values.get("mirror-request-body");
        if (body != null && !body.equals("on") && !body.equals("off")) {
            values.ignored("mirror-request-body", "is not on or off; on, as ingress-nginx takes it");
        }
        return new RoutePolicy.Mirror(url, host != null ? host : url.host(), !"off".equals(body));
    }

    /** auth-url and its companions; without auth-url they mean nothing, as in ingress-nginx. */
    private static RoutePolicy.ExternalAuth externalAuth(Values values, String namespace) {
        UrlTemplate url = values.urlTemplate("auth-url");
        UrlTemplate signin = values.urlTemplate("auth-signin");
        String method = values.get("auth-method");
        if (method != null && !method.matches("GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS")) {
            values.invalid("auth-method", "is not an HTTP method (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS)");
            method = null;
        }
        String redirectParam = values.get("auth-signin-redirect-param");
        if (redirectParam != null && !redirectParam.matches("[A-Za-z0-9_.~-]+")) {
            values.invalid("auth-signin-redirect-param", "is not a query parameter name");
            redirectParam = null;
        }
        List<String> responseHeaders = new ArrayList<>();
        String listed = values.get("auth-response-headers");
        if (listed != null) {
            for (String header : listed.split(",")) {
                String name = header.trim();
                if (!name.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+") || !SettableHeaders.settable(name)) {
                    values.invalid("auth-response-headers", "is not a comma-separated list of header names an auth"
                            + " service may set (not Host, Content-Length, Transfer-Encoding, Connection, Upgrade, ...)");
                    responseHeaders.clear();
                    break;
                }
                responseHeaders.add(name);
            }
        }
        String requestRedirect = values.headerValue("auth-request-redirect");
        AuthCaching caching = authCaching(values);
        boolean alwaysSetCookie = values.bool("auth-always-set-cookie");
        ObjectRef requestHeaders = values.get("auth-proxy-set-headers") == null ? null
                : values.namespacedRef("auth-proxy-set-headers", namespace);
        if (url == null) {
            return null;
        }
        return new RoutePolicy.ExternalAuth(url, method == null ? "GET" : method, signin,
                redirectParam == null ? "rd" : redirectParam, responseHeaders, requestRedirect, caching,
                alwaysSetCookie, requestHeaders == null ? null : new RoutePolicy.AuthRequestHeaders(requestHeaders, null));
    }

    /** auth-cache-key and auth-cache-duration; without a key, nothing is kept, as in ingress-nginx. */
    private static AuthCaching authCaching(Values values) {
        RequestKey key = values.requestKey("auth-cache-key");
        List<AuthCaching.Validity> validities;
        try {
            validities = AuthCaching.validities(values.get("auth-cache-duration"));
        } catch (IllegalArgumentException e) {
            values.invalid("auth-cache-duration", e.getMessage());
            return null;
        }
        return key == null ? null : new AuthCaching(key, validities);
    }

    /** custom-headers: a ConfigMap (NAME or NAMESPACE/NAME), read when the Ingress is compiled. */
    private static RoutePolicy.CustomHeaders customHeaders(Values values, String namespace) {
        if (values.get("custom-headers") == null) {
            return null;
        }
        ObjectRef ref = values.namespacedRef("custom-headers", namespace);
        return ref == null ? null : new RoutePolicy.CustomHeaders(ref, null);
    }

    /**
     * proxy-ssl-secret (NAMESPACE/NAME or NAME), proxy-ssl-verify, proxy-ssl-name and proxy-ssl-server-name.
     * The Secret must be in the Ingress's namespace: an Ingress cannot borrow another namespace's keys.
     */
    private static RoutePolicy.ProxySsl proxySsl(Values values, String namespace) {
        String secret = values.get("proxy-ssl-secret");
        boolean verify = values.onOff("proxy-ssl-verify");
        String name = values.host("proxy-ssl-name");
        boolean serverName = values.onOff("proxy-ssl-server-name");
        int depth = verifyDepth(values);
        if (secret == null) {
            if (verify) {
                values.invalid("proxy-ssl-verify", "needs proxy-ssl-secret, whose ca.crt the pod's certificate is checked"
                        + " against");
            }
            return name == null && !serverName ? null : new RoutePolicy.ProxySsl(null, false, name, serverName, depth);
        }
        ObjectRef ref = values.namespacedRef("proxy-ssl-secret", namespace);
        if (ref == null) {
            return null;
        }
        return new RoutePolicy.ProxySsl(ref, verify, name, serverName, depth);
    }

    /**
     * proxy-ssl-verify-depth, OpenSSL's verify depth: the intermediates allowed between the pod's certificate and
     * ca.crt. As ingress-nginx: 1 by default, and for 0 or a value that is no number.
     */
    private static int verifyDepth(Values values) {
        String value = values.get("proxy-ssl-verify-depth");
        if (value == null) {
            return 1;
        }
        try {
            int depth = Integer.parseInt(value.strip());
            if (depth >= 1 && depth <= 100) {
                return depth;
            }
        } catch (NumberFormatException notANumber) {
            // passed over below
        }
        values.ignored("proxy-ssl-verify-depth", "is not a depth from 1 to 100; 1, as ingress-nginx takes it");
        return 1;
    }

    /** ssl-redirect (on unless turned off), force-ssl-redirect and preserve-trailing-slash. */
    private static RoutePolicy.SslRedirect sslRedirect(Values values) {
        RoutePolicy.SslRedirect redirect = new RoutePolicy.SslRedirect(values.bool("ssl-redirect", true),
                values.bool("force-ssl-redirect"), values.bool("preserve-trailing-slash"));
        return redirect.equals(RoutePolicy.SslRedirect.DEFAULT) ? RoutePolicy.SslRedirect.DEFAULT : redirect;
    }

    /** load-balance: round_robin (the default) or ewma; ingress-nginx's other values are hash or sticky modes. */
    private static boolean ewma(Values values) {
        String algorithm = values.get("load-balance");
        if (algorithm == null || algorithm.equals("round_robin")) {
            return false;
        }
        if (algorithm.equals("ewma")) {
            return true;
        }
        values.invalid("load-balance", "is not round_robin or ewma (use upstream-hash-by or affinity for the others)");
        return false;
    }

    private static RoutePolicy.CanaryRule canary(Values values) {
        if (!values.bool("canary")) {
            return null;
        }
        String header = values.get("canary-by-header");
        if (header != null && !header.matches("[A-Za-z0-9-]+")) {
            values.invalid("canary-by-header", "is not a header name");
            header = null;
        }
        String headerValue = values.headerValue("canary-by-header-value");
        Pattern headerPattern = null;
        String pattern = values.get("canary-by-header-pattern");
        if (pattern != null) {
            try {
                headerPattern = Pattern.compile(pattern);
            } catch (PatternSyntaxException e) {
                values.invalid("canary-by-header-pattern", "is not a regular expression: " + e.getDescription());
            }
        }
        String cookie = values.get("canary-by-cookie");
        if (cookie != null && !cookie.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
            values.invalid("canary-by-cookie", "is not a cookie name");
            cookie = null;
        }
        int total = values.integer("canary-weight-total", 1, 1_000_000, 100);
        int weight = values.integer("canary-weight", 0, total, 0);
        return new RoutePolicy.CanaryRule(header, headerValue, headerPattern, cookie, weight, total);
    }

    private static NextUpstream nextUpstream(Values values) {
        String conditions = values.get("proxy-next-upstream");
        int tries = values.integer("proxy-next-upstream-tries", 0, 100, -1);
        int timeout = values.integer("proxy-next-upstream-timeout", 0, 86400, -1);
        if (conditions == null && tries < 0 && timeout < 0) {
            return null;
        }
        Set<String> set = new HashSet<>(NextUpstream.DEFAULT.conditions());
        if (conditions != null) {
            Set<String> asked = new HashSet<>();
            for (String condition : conditions.trim().split("\\s+")) {
                if (!NextUpstream.KNOWN.contains(condition)) {
                    // the default conditions, each annotation passed over on its own: the tries and timeout stand
                    values.invalid("proxy-next-upstream", "has '" + condition + "', which is not one of "
                            + new TreeSet<>(NextUpstream.KNOWN));
                    asked = null;
                    break;
                }
                asked.add(condition);
            }
            if (asked != null) {
                set = asked.contains("off") ? Set.of() : asked;
            }
        }
        return new NextUpstream(set, tries < 0 ? NextUpstream.DEFAULT.tries() : tries,
                timeout < 0 ? Duration.ZERO : Duration.ofSeconds(timeout));
    }

    /** backend-protocol: HTTP and AUTO_HTTP (the listener is HTTP) speak HTTP to pods, HTTPS speaks TLS. */
    private static boolean httpsUpstream(Values values) {
        String protocol = values.get("backend-protocol");
        if (protocol == null) {
            return false;
        }
        switch (protocol.toUpperCase(Locale.ROOT)) {
            case "HTTP", "AUTO_HTTP", "GRPC":
                return false;
            case "HTTPS", "GRPCS":
                return true;
            case "FCGI":
                values.invalid("backend-protocol", "needs a protocol Caravan does not speak to pods (FastCGI); the"
                        + " Ingress is not served rather than served wrong");
                return false;
            default:
                values.invalid("backend-protocol", "is not HTTP, HTTPS, AUTO_HTTP, GRPC, GRPCS or FCGI");
                return false;
        }
    }

    /** backend-protocol: GRPC (HTTP/2 with prior knowledge, no TLS) or GRPCS (HTTP/2 over TLS, by ALPN). */
    private static boolean grpcUpstream(Values values) {
        String protocol = values.get("backend-protocol");
        return protocol != null && (protocol.equalsIgnoreCase("GRPC") || protocol.equalsIgnoreCase("GRPCS"));
    }

    private static RoutePolicy.RateLimit rateLimit(Values values) {
        int rps = values.integer("limit-rps", 1, 1_000_000, 0);
        int rpm = values.integer("limit-rpm", 1, 60_000_000, 0);
        int connections = values.integer("limit-connections", 1, 1_000_000, 0);
        int multiplier = values.integer("limit-burst-multiplier", 1, 1000, 5);
        List<IpSubnetFilterRule> exempt = values.networks("limit-whitelist", IpFilterRuleType.ACCEPT);
        // kilobytes, as ingress-nginx writes them into limit_rate and limit_rate_after
        long rate = values.integer("limit-rate", 0, 100_000_000, 0) * 1024L;
        long after = values.integer("limit-rate-after", 0, 100_000_000, 0) * 1024L;
        if (rps == 0 && rpm == 0 && connections == 0 && rate == 0) {
            return null;
        }
        return new RoutePolicy.RateLimit(rps, rpm, connections, multiplier, exempt, rate, after);
    }

    /** ingress-nginx's CORS defaults: any origin, common methods and headers, credentials, 20 days. */
    private static RoutePolicy.Cors cors(Values values) {
        if (!values.bool("enable-cors")) {
            return null;
        }
        String origins = values.get("cors-allow-origin");
        List<String> allowed = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (String origin : (origins == null ? "*" : origins).split("[,\\s]+")) {
            String trimmed = origin.trim();
            // as ingress-nginx: any scheme, "null", and entries that are no origin skipped, and told
            if (trimmed.equals("*") || trimmed.equals("null")
                    || trimmed.matches("[A-Za-z][A-Za-z0-9+.-]*://(\\*\\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?")) {
                allowed.add(trimmed);
            } else if (!trimmed.isEmpty()) {
                skipped.add(trimmed);
            }
        }
        if (!skipped.isEmpty()) {
            values.ignored("cors-allow-origin", "has entries that are no origin, skipped: " + String.join(", ", skipped)
                    + (allowed.isEmpty() ? "; with none left, no origin is allowed (ingress-nginx would allow every"
                            + " one)" : ""));
        }
        // as ingress-nginx validates them: no * for methods and allowed headers (which browsers would take literally
        // with credentials), * among exposed headers
        String methods = values.token("cors-allow-methods", "[A-Za-z]+(,? ?[A-Za-z]+)*,? ?",
                "GET, PUT, POST, DELETE, PATCH, OPTIONS");
        String headers = values.token("cors-allow-headers", "[A-Za-z0-9-_, ]*",
                "DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,"
                        + "Authorization");
        String expose = values.token("cors-expose-headers", "(([A-Za-z0-9_-]+|\\*),? ?)+", null);
        String credentials = values.get("cors-allow-credentials");
        int maxAge = values.integer("cors-max-age", 0, Integer.MAX_VALUE, 1728000);
        if (allowed.isEmpty() && skipped.isEmpty()) {
            allowed.add("*");
        }
        // with every entry skipped, no origin: a typo must not open the Ingress to every site's scripts
        // true when absent or invalid, as ingress-nginx defaults it
        return new RoutePolicy.Cors(allowed, methods, headers, expose,
                credentials == null || values.bool("cors-allow-credentials", true), maxAge);
    }

    private static RoutePolicy.Affinity affinity(Values values) {
        String kind = values.get("affinity");
        if (kind == null) {
            return null;
        }
        if (!kind.equals("cookie")) {
            values.invalid("affinity", "is not cookie (the only affinity ingress-nginx has)");
            return null;
        }
        String mode = values.get("affinity-mode");
        if (mode != null && !mode.equals("balanced") && !mode.equals("persistent")) {
            values.invalid("affinity-mode", "is not balanced or persistent");
        }
        String name = values.get("session-cookie-name");
        if (name != null && !name.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
            values.invalid("session-cookie-name", "is not a cookie name");
            name = null;
        }
        String sameSite = values.get("session-cookie-samesite");
        if (sameSite != null) {
            String canonical = switch (sameSite.toLowerCase(Locale.ROOT)) {
                case "none" -> "None";
                case "lax" -> "Lax";
                case "strict" -> "Strict";
                default -> null;
            };
            if (canonical == null) {
                values.invalid("session-cookie-samesite", "is not None, Lax or Strict");
            }
            sameSite = canonical;
        }
        String canaryBehavior = values.get("affinity-canary-behavior");
        if (canaryBehavior != null && !canaryBehavior.equals("sticky") && !canaryBehavior.equals("legacy")) {
            values.invalid("affinity-canary-behavior", "is not sticky or legacy");
        }
        String secure = values.get("session-cookie-secure");
        int maxAge = values.integer("session-cookie-max-age", 0, Integer.MAX_VALUE, -1);
        int expires = values.integer("session-cookie-expires", 0, Integer.MAX_VALUE, -1);
        return new RoutePolicy.Affinity("persistent".equals(mode), name == null ? "INGRESSCOOKIE" : name,
                values.path("session-cookie-path", false), values.host("session-cookie-domain"),
                maxAge, expires, sameSite, values.bool("session-cookie-conditional-samesite-none"),
                // only true asks: false, or a value that does not parse, leaves it to the scheme (Secure over HTTPS), as
                // ingress-nginx omits a false one
                secure != null && values.bool("session-cookie-secure") ? Boolean.TRUE : null,
                values.bool("session-cookie-change-on-failure"), !"legacy".equals(canaryBehavior));
    }

    /** As ingress-nginx: a temporal redirect wins over a permanent one; a code out of range is the default. */
    private static RoutePolicy.Redirect redirect(Values values) {
        String temporal = values.redirectUrl("temporal-redirect");
        if (temporal != null) {
            return redirect(values, "temporal-redirect", temporal, values.code("temporal-redirect-code", 300, 307, 302));
        }
        String permanent = values.redirectUrl("permanent-redirect");
        return permanent == null ? null
                : redirect(values, "permanent-redirect", permanent, values.code("permanent-redirect-code", 300, 308, 301));
    }

    private static RoutePolicy.Redirect redirect(Values values, String name, String location, int status) {
        if (location.indexOf('$') < 0) {
            return new RoutePolicy.Redirect(location, status);
        }
        try {
            return new RoutePolicy.Redirect(location, status, RequestKey.parse(location));
        } catch (IllegalArgumentException unsupported) {
            values.invalid(name, unsupported.getMessage());
            return null;
        }
    }

    /**
     * The annotations whose invalid values ingress-nginx's parsers log and replace by their defaults, none of them about
     * who gets in: a typo in a timeout or a cookie's age must not take the Ingress down on moving. Each parse here
     * returns its default after an invalid value.
     */
    private static final Set<String> PASSED_OVER = Set.of("proxy-connect-timeout", "proxy-send-timeout",
            "proxy-read-timeout", "proxy-buffer-size", "proxy-body-size", "proxy-next-upstream",
            "proxy-next-upstream-timeout", "proxy-next-upstream-tries", "proxy-cookie-path", "proxy-cookie-domain",
            "affinity", "affinity-mode", "affinity-canary-behavior", "session-cookie-name", "session-cookie-path",
            "session-cookie-domain", "session-cookie-samesite", "session-cookie-conditional-samesite-none",
            "session-cookie-secure", "session-cookie-change-on-failure", "session-cookie-max-age",
            "session-cookie-expires", "enable-cors", "cors-allow-methods", "cors-allow-headers",
            "cors-expose-headers", "cors-allow-credentials", "cors-max-age", "app-root");

    /** Typed reads of annotation values, each invalid value reported with the annotation's name. */
    private record Values(Map<String, String> raw, List<AnnotationFinding> findings, boolean crossNamespace) {

        String get(String name) {
            String value = raw.get(name);
            return value == null || value.isEmpty() ? null : value;
        }

        void invalid(String name, String why) {
            if (PASSED_OVER.contains(name)) {
                ignored(name, why + "; served as if it were not set (the default, or the flag of its name), as"
                        + " ingress-nginx passes it over");
                return;
            }
            findings.add(new AnnotationFinding(AnnotationCatalog.PREFIX + name, AnnotationFinding.Kind.INVALID,
                    "'" + raw.get(name) + "' " + why));
        }

        /** An invalid value ingress-nginx passes over, logging it: served without it (or with its default), said so. */
        void ignored(String name, String why) {
            findings.add(new AnnotationFinding(AnnotationCatalog.PREFIX + name, AnnotationFinding.Kind.IGNORED,
                    "'" + raw.get(name) + "' " + why));
        }

        /** A value asking for what Caravan does not do: served without it, and said so. */
        void unsupported(String name, String why) {
            String annotation = AnnotationCatalog.PREFIX + name;
            if (findings.stream().noneMatch(f -> f.annotation().equals(annotation))) {
                findings.add(new AnnotationFinding(annotation, AnnotationFinding.Kind.UNSUPPORTED, why));
            }
        }

        /** nginx's on/off (booleans accepted too), off when absent. */
        boolean onOff(String name) {
            String value = get(name);
            if (value == null || value.equals("off")) {
                return false;
            }
            return value.equals("on") || bool(name);
        }

        /** As Go's strconv.ParseBool, which ingress-nginx uses: 1, t, T, TRUE, true, True, and their false forms. */
        boolean bool(String name) {
            return bool(name, false);
        }

        /** As {@link #bool(String)}, with the value an absent (or invalid) annotation has. */
        boolean bool(String name, boolean absent) {
            String value = get(name);
            if (value == null) {
                return absent;
            }
            switch (value) {
                case "1", "t", "T", "TRUE", "true", "True":
                    return true;
                case "0", "f", "F", "FALSE", "false", "False":
                    return false;
                default:
                    invalid(name, "is not true or false");
                    return absent;
            }
        }

        /** An absolute path (query allowed); with {@code placeholders}, $1…$9 may appear. */
        String path(String name, boolean placeholders) {
            String value = get(name);
            if (value == null) {
                return null;
            }
            if (!value.startsWith("/") || !printable(value)) {
                invalid(name, "is not an absolute path");
                return null;
            }
            for (int i = value.indexOf('$'); i >= 0; i = value.indexOf('$', i + 1)) {
                boolean group = i + 1 < value.length() && Character.isDigit(value.charAt(i + 1));
                if (!placeholders || !group) {
                    invalid(name, "has a '$' that is not a capture group ($1…$9); nothing is evaluated here");
                    return null;
                }
            }
            return value;
        }

        /**
         * A Secret or ConfigMap named NAME or NAMESPACE/NAME, which must be in the Ingress's namespace unless the
         * operator allows otherwise: an Ingress cannot borrow another namespace's keys, users or headers.
         */
        ObjectRef namespacedRef(String name, String namespace) {
            String value = get(name);
            ObjectRef ref;
            try {
                ref = value.contains("/") ? ObjectRef.parse(value) : new ObjectRef(namespace, value);
            } catch (IllegalArgumentException e) {
                invalid(name, "is not NAMESPACE/NAME");
                return null;
            }
            if (!crossNamespace && !ref.namespace().equals(namespace)) {
                invalid(name, "is in another namespace than the Ingress (" + namespace + "), which"
                        + " --allow-cross-namespace-resources allows");
                return null;
            }
            return ref;
        }

        /** An absolute http(s) URL with the variables {@link UrlTemplate} fills in. */
        UrlTemplate urlTemplate(String name) {
            String value = get(name);
            if (value == null) {
                return null;
            }
            if (!printable(value)) {
                invalid(name, "has characters a URL cannot carry");
                return null;
            }
            try {
                return UrlTemplate.parse(value);
            } catch (IllegalArgumentException e) {
                invalid(name, e.getMessage());
                return null;
            }
        }

        /** An absolute http(s) URL, or an absolute path. */
        String url(String name) {
            return url(name, false);
        }

        /**
         * A redirect's target: an http(s) URL or an absolute path, which may take nginx variables as nginx's
         * {@code return} does ({@code https://new.example$request_uri}, {@code $scheme://$host/new}).
         */
        String redirectUrl(String name) {
            return url(name, true);
        }

        private String url(String name, boolean variables) {
            String value = get(name);
            if (value == null) {
                return null;
            }
            String lower = value.toLowerCase(Locale.ROOT);
            boolean absolute = lower.startsWith("http://") || lower.startsWith("https://") || value.startsWith("/")
                    || variables && lower.startsWith("$scheme://");
            if (!absolute || !printable(value) || !variables && value.contains("$")) {
                invalid(name, "is not an http(s) URL or an absolute path");
                return null;
            }
            return value;
        }

        String headerValue(String name) {
            String value = get(name);
            if (value != null && !printable(value)) {
                invalid(name, "has characters a header cannot carry");
                return null;
            }
            return value;
        }

        String host(String name) {
            String value = get(name);
            if (value != null && !HOST_AND_PORT.matcher(value).matches()) {
                invalid(name, "is not a host name (with an optional port)");
                return null;
            }
            return value;
        }

        /**
         * A host name with an optional port, which may hold nginx's variables as ingress-nginx lets
         * {@code upstream-vhost} ({@code $service_name.$namespace.svc.cluster.local}, {@code $host}): its text around
         * them must be a host name's.
         */
        RequestKey hostTemplate(String name) {
            String value = get(name);
            if (value == null) {
                return null;
            }
            if (value.indexOf('$') < 0) {
                return host(name) == null ? null : RequestKey.parse(value);
            }
            try {
                RequestKey template = RequestKey.parse(value);
                // each variable as what it stands for: a port's after a colon, a name's elsewhere
                StringBuilder sample = new StringBuilder();
                for (NginxTemplate.Part part : NginxTemplate.parts(value)) {
                    sample.append(part.text() != null ? part.text()
                            : sample.length() > 0 && sample.charAt(sample.length() - 1) == ':' ? "1" : "x");
                }
                if (!HOST_AND_PORT.matcher(sample).matches()) {
                    invalid(name, "is not a host name (with an optional port) around its variables");
                    return null;
                }
                return template;
            } catch (IllegalArgumentException unsupported) {
                invalid(name, unsupported.getMessage());
                return null;
            }
        }

        /** A comma-separated list of host names, lower-cased, each once; a wildcard as {@code *.example.com}. */
        List<String> hosts(String name) {
            String value = get(name);
            if (value == null) {
                return List.of();
            }
            List<String> hosts = new ArrayList<>();
            for (String part : value.split(",")) {
                String host = part.trim().toLowerCase(Locale.ROOT);
                if (host.isEmpty() || hosts.contains(host)) {
                    continue;
                }
                if (!IngressValidator.isHost(host)) {
                    invalid(name, "has '" + part.trim() + "', which is not a DNS name or a '*.' wildcard of one");
                    return List.of();
                }
                hosts.add(host);
            }
            return List.copyOf(hosts);
        }

        /** nginx size syntax; 0 means unlimited; -1 when absent. */
        long size(String name) {
            String value = get(name);
            if (value == null) {
                return -1;
            }
            try {
                return NginxSize.parse(value);
            } catch (IllegalArgumentException e) {
                invalid(name, "is not a size such as 8k, 10m or 1g");
                return -1;
            }
        }

        /** A comma-separated list of header names or methods, as {@code allowed} (a regex) has it. */
        String token(String name, String allowed, String absent) {
            String value = get(name);
            if (value == null) {
                return absent;
            }
            if (!value.matches(allowed)) {
                invalid(name, "is not a comma-separated list of names" + (value.contains("*") ? " (* is not one)" : ""));
                return absent;
            }
            return value;
        }

        /** A Service name (DNS-1035 label), in the Ingress's namespace. */
        String serviceName(String name) {
            String value = get(name);
            if (value != null && !value.matches("[a-z]([-a-z0-9]{0,61}[a-z0-9])?")) {
                invalid(name, "is not a Service name");
                return null;
            }
            return value;
        }

        /** A comma-separated list of HTTP statuses (400-599). */
        Set<Integer> statuses(String name) {
            String value = get(name);
            if (value == null) {
                return Set.of();
            }
            Set<Integer> statuses = new HashSet<>();
            for (String item : value.split(",")) {
                try {
                    int status = Integer.parseInt(item.trim());
                    if (status < 400 || status > 599) {
                        throw new NumberFormatException();
                    }
                    statuses.add(status);
                } catch (NumberFormatException e) {
                    invalid(name, "has '" + item.trim() + "', which is not an error status (400-599)");
                    return Set.of();
                }
            }
            return statuses;
        }

        RequestKey requestKey(String name) {
            String value = get(name);
            if (value == null) {
                return null;
            }
            try {
                return RequestKey.parse(value);
            } catch (IllegalArgumentException e) {
                invalid(name, e.getMessage());
                return null;
            }
        }

        /** A comma-separated list of CIDRs or addresses (an address alone is a /32 or /128). */
        List<IpSubnetFilterRule> networks(String name, IpFilterRuleType type) {
            String value = get(name);
            if (value == null) {
                return List.of();
            }
            try {
                return Networks.parse(value, type);
            } catch (IllegalArgumentException e) {
                invalid(name, e.getMessage());
                return List.of();
            }
        }

        Duration seconds(String name) {
            String value = get(name);
            if (value == null) {
                return null;
            }
            int seconds = integer(name, 1, 86400, -1);
            return seconds < 0 ? null : Duration.ofSeconds(seconds);
        }

        /** A status code; out of range or not a number falls back to the default, as ingress-nginx does. */
        int code(String name, int min, int max, int fallback) {
            String value = get(name);
            try {
                int code = value == null ? fallback : Integer.parseInt(value);
                return code >= min && code <= max ? code : fallback;
            } catch (NumberFormatException e) {
                return fallback;
            }
        }

        int integer(String name, int min, int max, int absent) {
            String value = get(name);
            if (value == null) {
                return absent;
            }
            try {
                int number = Integer.parseInt(value);
                if (number >= min && number <= max) {
                    return number;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            invalid(name, "is not a whole number from " + min + " to " + max);
            return absent;
        }

        static boolean printable(String value) {
            return value.chars().allMatch(c -> c > 0x20 && c < 0x7f);
        }
    }
}

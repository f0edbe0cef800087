package dev.caravan.compile.annotation;

import dev.caravan.upstream.UpstreamClient;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The ingress-nginx annotations Caravan knows, and what it does with each: apply it, say it is not
 * supported yet (the Ingress is served without it), or refuse it (the Ingress is not served). Any
 * {@code *-snippet} is refused: it is proxy configuration text, and Caravan never runs configuration
 * from an Ingress. Docs: {@code docs/annotations.md} holds the same table.
 */
public final class AnnotationCatalog {

    public static final String PREFIX = "nginx.ingress.kubernetes.io/";

    /** What Caravan does with an annotation. */
    public enum Support { SUPPORTED, UNSUPPORTED, REFUSED }

    /**
     * One annotation's entry: its support and a line for people.
     *
     * @param inherent for an unsupported annotation, the values that ask for what Caravan does anyway (they are
     *                 then no finding)
     */
    public record Entry(Support support, String note, Predicate<String> inherent) {

        public Entry(Support support, String note) {
            this(support, note, value -> false);
        }

        /** Whether {@code value} asks for what Caravan does anyway. */
        public boolean inherent(String value) {
            return inherent.test(value);
        }
    }

    private static final Map<String, Entry> ENTRIES = new LinkedHashMap<>();
    private static final String UNPROTECTED = "authentication is not applied yet: the Ingress is not served,"
            + " rather than served unprotected";

    static {
        supported("rewrite-target", "path sent upstream; $1…$n from the path's regex; makes the host's paths regexes");
        supported("use-regex", "paths are case-insensitive regexes anchored at the start, for the whole host");
        supported("app-root", "302 from / to this path, for the whole host");
        supported("x-forwarded-prefix", "X-Forwarded-Prefix sent upstream when the path is rewritten");
        supported("upstream-vhost", "Host sent upstream");
        supported("permanent-redirect", "every request redirected here (301): an http(s) URL or an absolute"
                + " path, with nginx variables filled in ($request_uri, $host, $scheme, ...)");
        supported("permanent-redirect-code", "status of permanent-redirect (300-308; else 301)");
        supported("temporal-redirect", "every request redirected here (302), as permanent-redirect; wins over"
                + " permanent-redirect");
        supported("temporal-redirect-code", "status of temporal-redirect (300-307; else 302)");
        supported("proxy-body-size", "largest request body (k, m, g suffixes; 0 = unlimited); 413 beyond");
        supported("proxy-connect-timeout", "seconds to connect to a pod");
        supported("proxy-read-timeout", "seconds a pod may stay silent while answering");
        supported("proxy-send-timeout", "seconds a pod may take no more of the request body");
        supported("upstream-hash-by", "consistent hash of $request_uri, $uri, $host, $remote_addr, $http_X,"
                + " $cookie_X, $arg_X (and literal text) chooses the pod");
        supported("whitelist-source-range", "only these client networks (CIDRs); others get 403");
        supported("allowlist-source-range", "as whitelist-source-range, which it replaces");
        supported("denylist-source-range", "these client networks (CIDRs) get 403");
        supported("service-upstream", "send to the Service's cluster IP instead of its pods");
        supported("enable-cors", "CORS headers on responses, 204 to preflight OPTIONS");
        supported("cors-allow-origin", "* (default) or origins, scheme://*.domain wildcards allowed");
        supported("cors-allow-methods", "Access-Control-Allow-Methods");
        supported("cors-allow-headers", "Access-Control-Allow-Headers");
        supported("cors-expose-headers", "Access-Control-Expose-Headers");
        supported("cors-allow-credentials", "Access-Control-Allow-Credentials (default true)");
        supported("cors-max-age", "Access-Control-Max-Age (default 1728000)");
        supported("limit-rps", "requests per second per client address (burst: rate x multiplier); 503 beyond (--limit-req-status-code)");
        supported("limit-rpm", "requests per minute per client address (burst: rate x multiplier); 503 beyond (--limit-req-status-code)");
        supported("limit-connections", "concurrent requests per client address; 503 beyond (--limit-conn-status-code)");
        supported("limit-burst-multiplier", "burst size as a multiple of the rate (default 5)");
        supported("limit-whitelist", "client networks (CIDRs) no request or connection limit applies to");
        supported("limit-rate", "kilobytes per second each response's body goes to the client (0: no limit), counted"
                + " as nginx's from the request's start with a second's credit; paced as it streams, what a pod sends"
                + " ahead of the pace held until due, in parts of a twentieth of a second's worth (1 KiB at least)");
        supported("limit-rate-after", "kilobytes of a response's body sent before limit-rate paces the rest");
        supported("backend-protocol", "HTTP (default), AUTO_HTTP, HTTPS (TLS to the pod, not verified, as"
                + " ingress-nginx), GRPC (HTTP/2 to the pod) or GRPCS (HTTP/2 over TLS, ALPN h2); FCGI is refused as"
                + " invalid");
        supported("proxy-next-upstream", "when another pod is tried: error timeout (default), http_502 ..., off;"
                + " never once a request body was sent");
        supported("proxy-next-upstream-tries", "tries in all (default 3)");
        supported("proxy-next-upstream-timeout", "seconds within which another try may start (0: no limit)");
        supported("default-backend", "Service (same namespace, first port) serving the rules when their Service"
                + " has no ready endpoint");
        supported("canary", "this Ingress takes a share of another Ingress's traffic on the same host and path");
        supported("canary-by-header", "header always/never (or -value, -pattern) sends to the canary first");
        supported("canary-by-header-value", "the header value that sends to the canary");
        supported("canary-by-header-pattern", "a regex found in the header value (anywhere, as ingress-nginx's"
                + " search) sends to the canary");
        supported("canary-by-cookie", "cookie always/never, after the header");
        supported("canary-weight", "share of the rest sent to the canary, out of canary-weight-total");
        supported("canary-weight-total", "the whole of canary-weight (default 100)");
        supported("load-balance", "round_robin (default) or ewma (latency-weighted, power of two choices)");
        supported("custom-http-errors", "these statuses from the pod are answered by the default backend (the"
                + " default-backend annotation's, else --default-backend-service), with X-Code and friends");
        supported("affinity", "cookie: requests with the cookie go to the same pod");
        supported("affinity-mode", "balanced (default: consistent-hash ring) or persistent (cookie names the pod)");
        supported("session-cookie-name", "the cookie's name (default INGRESSCOOKIE)");
        supported("session-cookie-path", "the cookie's Path (default: the rule's path; / for regex paths)");
        supported("session-cookie-domain", "the cookie's Domain");
        supported("session-cookie-max-age", "the cookie's Max-Age, seconds");
        supported("session-cookie-expires", "the cookie's Expires, that many seconds after it is set");
        supported("session-cookie-samesite", "the cookie's SameSite: None, Lax or Strict");
        supported("session-cookie-conditional-samesite-none", "no SameSite=None for browsers that reject it");
        supported("session-cookie-secure", "forces Secure (else Secure only over HTTPS)");
        supported("session-cookie-change-on-failure", "re-pin to the pod that answered when the pinned one failed");
        supported("ssl-redirect", "308 from HTTP to HTTPS when the host has TLS (default true);"
                + " rules whose path starts with /.well-known/acme-challenge are exempt");
        supported("force-ssl-redirect", "308 from HTTP to HTTPS even when the host has no TLS");
        supported("preserve-trailing-slash", "keep the URI's trailing / in the HTTPS redirect (default: dropped)");
        supported("enable-access-log", "false: this Ingress's requests are left out of the access log");
        supported("ssl-passthrough", "TLS connections for the Ingress's hosts go to the pods of its first path"
                + " undecrypted, chosen by SNI; needs --enable-ssl-passthrough; other annotations do not apply");
        supported("proxy-ssl-secret", "Secret (the Ingress's namespace unless --allow-cross-namespace-resources, type"
                + " kubernetes.io/tls or Opaque) whose ca.crt verifies HTTPS pods and whose tls.crt/tls.key is presented to them");
        supported("proxy-ssl-verify", "on: the pod's certificate must chain to ca.crt (and carry proxy-ssl-name);"
                + " else 502");
        supported("proxy-ssl-name", "the name checked in the pod's certificate and sent by SNI");
        supported("proxy-ssl-server-name", "on: send proxy-ssl-name by SNI");
        supported("proxy-ssl-verify-depth", "with proxy-ssl-verify: the intermediates allowed between the pod's"
                + " certificate and ca.crt (OpenSSL's verify depth; default 1, as ingress-nginx)");
        supported("affinity-canary-behavior", "sticky (default: a client pinned to the main or the canary backend"
                + " stays there) or legacy (the canary rules decide first)");
        supported("upstream-hash-by-subset", "true: the hash picks a subset of the endpoints, and one of them at random"
                + " serves (with upstream-hash-by)");
        supported("upstream-hash-by-subset-size", "endpoints per subset (default 3)");
        supported("from-to-www-redirect", "www.HOST is sent to HOST, or HOST to www.HOST, with a 308 keeping scheme,"
                + " port and URI (but a trailing slash); not where that name is a host of its own");
        supported("server-alias", "more names (comma-separated) for the Ingress's first host: they serve all its"
                + " paths, with its certificate if that is for them; a host some Ingress serves is no alias");
        // Caravan streams both ways: "off" is what it does, "on" is not done
        unsupported("proxy-buffering", "off is what Caravan does for Service backends"
                + " (responses are streamed; a Camel route answers whole); on is not applied yet", "off"::equalsIgnoreCase);
        unsupported("proxy-request-buffering", "off is what Caravan does for Service"
                + " backends (request bodies are streamed; a Camel route takes them whole); on is not applied yet", "off"::equalsIgnoreCase);
        // what users raise it for is room for a pod's large response head; nothing is buffered beyond that
        supported("proxy-buffer-size", "the largest response head an HTTP/1.1 pod may send (a larger one gets 502, as"
                + " nginx's 'upstream sent too big header'); at least " + UpstreamClient.MAX_RESPONSE_HEAD / 1024
                + "k whatever the value, at most " + UpstreamClient.LARGEST_RESPONSE_HEAD / 1024 + "k");
        // nginx keeps a request body in a buffer this large before writing it to disk; Caravan streams it, neither
        unsupported("client-body-buffer-size", "any size is what Caravan does: request"
                + " bodies go to pods as they come and never to disk (a Camel route takes them whole, in memory, up to"
                + " its limit)", AnnotationCatalog::isSize);
        unsupported("ssl-ciphers", "not applied yet; the Ingress is served without it");
        unsupported("proxy-http-version", "1.1 is what Caravan speaks to HTTP pods;"
                + " 1.0 is not applied yet, pods are spoken to in HTTP/1.1", "1.1"::equals);
        // nginx spills a response it buffers to a temporary file up to this size; Caravan buffers none
        unsupported("proxy-max-temp-file-size", "any size is what Caravan does:"
                + " responses are never written to disk", AnnotationCatalog::isSize);
        // the buffers nginx reads a response into while it buffers it; Caravan streams, with none of these
        unsupported("proxy-buffers-number", "any number is what Caravan does:"
                + " responses are streamed, not buffered", value -> value.matches("[0-9]+"));
        unsupported("proxy-busy-buffers-size", "any size is what Caravan does:"
                + " responses are streamed, not buffered", AnnotationCatalog::isSize);
        supported("enable-global-auth", "false: the Ingress's paths do not ask --global-auth-url (ingress-nginx's"
                + " ConfigMap key global-auth-url); an Ingress with an auth-url of its own asks that one alone");
        unsupported("connection-proxy-header", "keep-alive is what Caravan does"
                + " (pooled connections to pods); another value is not applied", "keep-alive"::equalsIgnoreCase);
        supported("custom-headers", "a ConfigMap (NAME or NAMESPACE/NAME; another namespace than the Ingress's needs"
                + " --allow-cross-namespace-resources) whose data are headers set on every response of the Ingress's"
                + " paths, as nginx's more_set_headers; each must be one --global-allowed-response-headers names; else,"
                + " or missing, the Ingress's paths answer 503");
        supported("mirror-target", "a copy of each request goes to this URL (scheme and host written out, then"
                + " $request_uri, $uri, $escaped_request_uri, $host or $scheme) once the request is whole; its answer"
                + " is dropped, and a copy that cannot be made at once is not made; an invalid target is not applied");
        supported("mirror-host", "the Host of the copies (default: the host of mirror-target)");
        supported("mirror-request-body", "off: copies without the body (default on; a body over 1 MiB is not copied,"
                + " nor its request)");
        for (String name : new String[] {"enable-modsecurity", "enable-owasp-core-rules"}) {
            unsupported(name, "Caravan has no web application firewall: requests are"
                    + " not inspected; false is what it does", "false"::equalsIgnoreCase);
        }
        unsupported("modsecurity-transaction-id", "Caravan has no web application"
                + " firewall");
        unsupported("enable-opentelemetry", "requests are not traced yet; false is"
                + " what Caravan does", "false"::equalsIgnoreCase);
        unsupported("opentelemetry-trust-incoming-span", "requests are not traced"
                + " yet; a traceparent the client sends goes to the pod as it came");
        unsupported("enable-rewrite-log", "rewrites are not logged; false is what"
                + " Caravan does", "false"::equalsIgnoreCase);
        unsupported("http2-push-preload", "HTTP/2 server push is not done (browsers"
                + " dropped it); false is what Caravan does", "false"::equalsIgnoreCase);
        for (String name : new String[] {"proxy-ssl-ciphers", "proxy-ssl-protocols"}) {
            unsupported(name, "not applied yet: TLS to pods offers TLSv1.3 and TLSv1.2 with the TLS library's ciphers");
        }
        unsupported("ssl-prefer-server-ciphers", "not applied yet: the TLS library"
                + " chooses by its own order");
        for (String name : new String[] {"configuration-snippet", "server-snippet", "auth-snippet",
            "stream-snippet", "modsecurity-snippet"}) {
            refused(name);
        }
        supported("auth-url", "each request is first sent, without its body, to this URL; 2xx lets it on, 401 and 403"
                + " go to the client, anything else is 500; $host, $scheme, $request_uri, $escaped_request_uri, $uri"
                + " are filled in");
        supported("auth-method", "method of the request to auth-url (default GET)");
        supported("auth-signin", "where a 401 from auth-url is redirected (302), with the original URL in rd=");
        supported("auth-signin-redirect-param", "the query parameter of auth-signin carrying the original URL (rd)");
        supported("auth-response-headers", "headers of auth-url's answer sent on to the pod (absent ones removed)");
        supported("auth-request-redirect", "X-Auth-Request-Redirect sent to auth-url (default: the request URI)");
        supported("auth-cache-key", "answers of auth-url are kept, per rule, for the requests whose key (nginx"
                + " variables, as $remote_user$http_authorization) is the same");
        supported("auth-cache-duration", "how long answers are kept, by status: [STATUS ...|any] TIME, comma-separated"
                + " (default 200 202 401 5m); not those with Set-Cookie (as nginx) or Vary; Cache-Control, Expires"
                + " and X-Accel-Expires of the answer come first");
        supported("auth-always-set-cookie", "true: auth-url's Set-Cookie goes to the client with any response; else"
                + " only with 200, 201, 204, 206, 301, 302, 303, 304, 307, 308");
        // nginx keeps no connection to auth-url unless asked; the JDK's client Caravan uses always keeps them
        unsupported("auth-keepalive", "connections to auth-url are kept alive and"
                + " reused, as a number above 0 asks; 0 is not applied", value -> value.matches("[1-9][0-9]{0,8}"));
        for (String name : new String[] {"auth-keepalive-requests", "auth-keepalive-timeout"}) {
            unsupported(name, "not applied: connections to auth-url are kept and"
                    + " reused within the JDK HTTP client's own limits");
        }
        unsupported("auth-keepalive-share-vars", "false is what Caravan does; true"
                + " (one X-Request-ID for the pod and auth-url) is not applied", "false"::equalsIgnoreCase);
        supported("auth-proxy-set-headers", "a ConfigMap (NAME or NAMESPACE/NAME, as custom-headers) of headers set on"
                + " the request to auth-url, as proxy_set_header: values of text and nginx variables ($http_NAME,"
                + " $remote_addr, ...), an empty one removing the header; missing or unreadable, the Ingress's paths"
                + " answer 503");
        supported("auth-type", "basic or digest: requests need a user of auth-secret (401 with a Basic or Digest"
                + " challenge otherwise)");
        supported("auth-secret", "the Secret of users (the Ingress's namespace unless"
                + " --allow-cross-namespace-resources): for basic an htpasswd file under 'auth' (bcrypt, $apr1$, $1$, $5$, $6$,"
                + " {SHA}, {SSHA}, crypt), for digest an htdigest file (user:realm:HA1)");
        supported("auth-secret-type", "auth-file (default) or auth-map (one user per key)");
        supported("auth-realm", "the realm of the challenge (for digest, by default the one realm of the Secret's"
                + " users)");
        supported("auth-tls-secret", "the Secret (the Ingress's namespace unless --allow-cross-namespace-resources)"
                + " whose ca.crt issues client certificates, and whose ca.crl revokes them; for the whole host, from its oldest Ingress asking; unreadable, the"
                + " host answers 403");
        supported("auth-tls-verify-client", "on (default), optional, optional_no_ca or off, as nginx's"
                + " ssl_verify_client; without a good certificate: 400, and plain HTTP has none");
        supported("auth-tls-verify-depth", "intermediates allowed between the client's certificate and ca.crt (1), as"
                + " nginx's ssl_verify_depth");
        supported("auth-tls-error-page", "an http(s) URL a request without a good certificate is redirected to (302)");
        supported("auth-tls-pass-certificate-to-upstream", "true: the client's certificate goes to the pod in"
                + " ssl-client-cert (URL-escaped PEM)");
        supported("auth-tls-match-cn", "a regular expression the certificate's subject must contain (403 otherwise)");
        supported("proxy-redirect-from", "the prefix of a pod's Location (and Refresh URL) replaced by"
                + " proxy-redirect-to, case-sensitively, as nginx's proxy_redirect; off (default) or default: none");
        supported("proxy-redirect-to", "what replaces proxy-redirect-from's prefix; off: nothing is replaced");
        supported("proxy-cookie-domain", "FROM TO: a pod's Set-Cookie domain FROM (any case, a leading dot aside)"
                + " becomes TO, as nginx's proxy_cookie_domain; off (default)");
        supported("proxy-cookie-path", "FROM TO: the prefix FROM of a pod's Set-Cookie path becomes TO,"
                + " case-sensitively, as nginx's proxy_cookie_path; off (default)");
        supported("satisfy", "any: an allow-list that admits the client spares it authentication, and one authentication"
                + " (auth-type, auth-url) that admits it is enough; all (the default): every one must");
    }

    private AnnotationCatalog() {
    }

    /** Bytes of an nginx size, or -1 for what is no size. */
    private static long bytes(String size) {
        try {
            return NginxSize.parse(size);
        } catch (IllegalArgumentException notASize) {
            return -1;
        }
    }

    private static boolean isSize(String size) {
        return bytes(size) >= 0;
    }

    private static void supported(String name, String note) {
        ENTRIES.put(name, new Entry(Support.SUPPORTED, note));
    }

    private static void unsupported(String name, String note) {
        ENTRIES.put(name, new Entry(Support.UNSUPPORTED, note));
    }

    /** @param inherent the values that ask for what Caravan does anyway */
    private static void unsupported(String name, String note, Predicate<String> inherent) {
        ENTRIES.put(name, new Entry(Support.UNSUPPORTED, note, inherent));
    }

    private static void refused(String name) {
        ENTRIES.put(name, new Entry(Support.REFUSED, "raw proxy configuration: refused, the Ingress is not served"));
    }

    /** What Caravan does with {@code name} (without the prefix); unknown names are unsupported, snippets refused. */
    public static Entry lookup(String name) {
        Entry entry = ENTRIES.get(name);
        if (entry != null) {
            return entry;
        }
        if (name.endsWith("-snippet")) {
            return new Entry(Support.REFUSED, "raw proxy configuration: refused, the Ingress is not served");
        }
        if (name.startsWith("auth-")) {
            return new Entry(Support.REFUSED, UNPROTECTED);
        }
        return new Entry(Support.UNSUPPORTED, "not known to Caravan; the Ingress is served without it");
    }

    /** Every annotation in the catalog, in the order of docs/annotations.md. */
    public static Map<String, Entry> entries() {
        return Map.copyOf(ENTRIES);
    }
}

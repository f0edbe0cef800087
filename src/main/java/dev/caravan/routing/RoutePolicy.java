package dev.caravan.routing;

import dev.caravan.auth.ClientCertificateAuthority;
import dev.caravan.auth.Users;
import dev.caravan.upstream.NextUpstream;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What an Ingress's annotations ask of the requests its rules match, parsed once by the compiler.
 * Every field is optional ({@code null}, or a negative size): absent means ingress-nginx's default.
 *
 * @param rewriteTarget      the path sent upstream, with {@code $1…$n} from the rule's regex
 * @param regexPaths         whether this Ingress's paths are regular expressions ({@code use-regex}; a
 *                           rewrite-target that differs from a path makes that path one too)
 * @param appRoot            where {@code /} is redirected (302)
 * @param redirect           where every request is redirected, and with which status
 * @param forwardedPrefix    the {@code X-Forwarded-Prefix} sent upstream
 * @param upstreamVhost      the {@code Host} sent upstream instead of the client's: text, or with nginx's variables
 *                           ({@code $service_name.$namespace.svc.cluster.local}); {@code null} for the client's
 * @param maxBodySize        the largest request body in bytes (0: unlimited; negative: the global default)
 * @param connectTimeout     to connect to a pod
 * @param readTimeout        a pod's silence while answering
 * @param sendTimeout        how long a pod may take no more of the request body
 * @param affinity           cookie session affinity, or {@code null}
 * @param hashBy             the request parts that choose the pod on a consistent-hash ring, or {@code null}
 * @param allowedSources     client networks allowed (empty: all)
 * @param deniedSources      client networks refused
 * @param serviceUpstream    whether requests go to the Service's cluster IP instead of its pods
 * @param cors               cross-origin resource sharing, or {@code null}
 * @param rateLimit          per-client request and connection limits, or {@code null}
 * @param httpsUpstream      whether pods are spoken to in HTTPS ({@code backend-protocol: HTTPS})
 * @param nextUpstream       when another pod is tried, or {@code null} for the defaults
 * @param defaultBackend     the Service (same namespace) serving the rules when their backend has no
 *                           ready endpoint ({@code default-backend}), or {@code null}
 * @param canary             whether this Ingress is a canary of another's rules, and how it takes traffic
 * @param ewma               {@code load-balance: ewma} (else round robin)
 * @param customHttpErrors   the pod's statuses answered with an error page from the default backend
 * @param sslRedirect        when plain-HTTP requests are sent to HTTPS
 * @param sslPassthrough     whether TLS connections for the Ingress's hosts go to its pods undecrypted
 * @param proxySsl           how HTTPS pods are authenticated ({@code proxy-ssl-*}), or {@code null}: not at all
 * @param accessLog          whether requests are written to the access log ({@code enable-access-log})
 * @param requestRoute       the user route run before each request is proxied ({@code caravan.dev/request-route}),
 *                           or {@code null}
 * @param externalAuth       the service each request is first asked of ({@code auth-url}), or {@code null}
 * @param userAuth           the users a request must be one of ({@code auth-type}), or {@code null}
 * @param grpcUpstream       whether pods are spoken to in HTTP/2 ({@code backend-protocol: GRPC}, and over TLS with
 *                           {@code httpsUpstream}: {@code GRPCS})
 * @param serverAliases      more names for the Ingress's first host ({@code server-alias}), lower case; a wildcard
 *                           as {@code *.example.com}
 * @param wwwRedirect        whether each host's {@code www.} twin (or the name without {@code www.}) is redirected
 *                           to it ({@code from-to-www-redirect})
 * @param clientCertificates the client certificates its hosts ask for ({@code auth-tls-*}), or {@code null}
 * @param satisfyAny         {@code satisfy: any}: a client an allow-list admits needs no authentication, and one
 *                           authentication that admits a client is enough, whatever the source ranges say
 * @param maxResponseHead    the largest response head a pod may send, in bytes ({@code proxy-buffer-size}); 0 for
 *                           the default
 * @param responseRewrite    how a pod's Location and Set-Cookie headers are rewritten ({@code proxy-redirect-*},
 *                           {@code proxy-cookie-*}), or {@code null}
 * @param customHeaders      the headers set on its responses ({@code custom-headers}), or {@code null}
 * @param denied             whether every request to its paths is answered 503, as nginx's "location denied": an
 *                           Ingress whose access control could not be applied as last edited
 * @param mirror             where copies of its requests go ({@code mirror-target}), or {@code null}
 */
public record RoutePolicy(String rewriteTarget, boolean regexPaths, String appRoot, Redirect redirect,
        String forwardedPrefix, RequestKey upstreamVhost, long maxBodySize, Duration connectTimeout,
        Duration readTimeout, Duration sendTimeout, Affinity affinity, RequestKey hashBy, List<IpSubnetFilterRule> allowedSources,
        List<IpSubnetFilterRule> deniedSources, boolean serviceUpstream, Cors cors, RateLimit rateLimit,
        boolean httpsUpstream, NextUpstream nextUpstream, String defaultBackend, CanaryRule canary, boolean ewma,
        Set<Integer> customHttpErrors, SslRedirect sslRedirect, boolean sslPassthrough, ProxySsl proxySsl,
        boolean accessLog, String requestRoute, ExternalAuth externalAuth, UserAuth userAuth,
        boolean grpcUpstream, List<String> serverAliases, boolean wwwRedirect,
        ClientCertificates clientCertificates, boolean satisfyAny, int maxResponseHead,
        ResponseRewrite responseRewrite, CustomHeaders customHeaders, boolean denied, Mirror mirror) {

    public static final RoutePolicy NONE = new RoutePolicy(null, false, null, null, null, null, -1, null, null, null,
            null, null, List.of(), List.of(), false, null, null, false, null, null, null, false, Set.of(),
            SslRedirect.DEFAULT, false, null, true, null, null, null, false, List.of(), false, null, false, 0, null,
            null, false, null);

    /**
     * ingress-nginx's {@code mirror-target}: a copy of each request sent to another URL, its answer dropped.
     *
     * @param target      the URL, with nginx variables after its scheme and host (as {@code $request_uri})
     * @param host        the Host header the copy carries ({@code mirror-host}; the target's host by default)
     * @param requestBody whether the copy carries the request's body ({@code mirror-request-body}, on by default)
     */
    public record Mirror(UrlTemplate target, String host, boolean requestBody) {
    }

    /**
     * ingress-nginx's basic and digest authentication ({@code auth-type}).
     *
     * @param secret the Secret of users ({@code auth-secret}), in the Ingress's namespace
     * @param map    {@code auth-secret-type: auth-map} (one user per key), else a password file under {@code auth}
     * @param realm  the realm of the {@code WWW-Authenticate} challenge ({@code auth-realm}); may be empty
     * @param digest {@code auth-type: digest} (an htdigest file), else basic (an htpasswd file)
     * @param users  the users read from the Secret when the Ingress was compiled, as the scheme reads them;
     *               {@code null} before
     */
    public record UserAuth(ObjectRef secret, boolean map, String realm, boolean digest, Users users) {

        public UserAuth withUsers(Users read) {
            return new UserAuth(secret, map, realm, digest, read);
        }
    }

    /**
     * ingress-nginx's {@code custom-headers}: the headers of a ConfigMap, set on every response of the Ingress's
     * paths (a pod's header of the same name replaced), as nginx's {@code more_set_headers}.
     *
     * @param configMap the ConfigMap, in the Ingress's namespace unless the operator allows others
     * @param headers   its headers, read when the Ingress was compiled; {@code null} before
     */
    public record CustomHeaders(ObjectRef configMap, Map<String, String> headers) {

        public CustomHeaders {
            headers = headers == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        }

        public CustomHeaders withHeaders(Map<String, String> read) {
            return new CustomHeaders(configMap, read);
        }
    }

    /** Whether a path of this policy is rewritten: a rewrite-target that differs from it, as ingress-nginx. */
    public boolean rewrites(String path) {
        return rewriteTarget != null && !rewriteTarget.equals(path);
    }

    /** Whether this policy makes {@code path}, and so every path of its host, a regex (use-regex, or a rewrite). */
    public boolean makesRegex(String path) {
        return regexPaths || rewrites(path);
    }

    /** Whether it keeps some clients out: authentication, source ranges, an interceptor. */
    public boolean restrictsAccess() {
        return userAuth != null || externalAuth != null || !allowedSources.isEmpty() || !deniedSources.isEmpty()
                || requestRoute != null;
    }

    /**
     * What of this policy holds where its Ingress's {@code spec.defaultBackend} serves, as on the default location
     * ingress-nginx makes of it: everything but what rewrites a request's path (rewrite-target, use-regex, app-root,
     * and x-forwarded-prefix, sent only with a rewrite), and on the catch-all of an Ingress without rules its
     * redirects (permanent- and temporal-redirect, ssl-redirect, force-ssl-redirect), which ingress-nginx leaves out
     * there; cookie affinity, whose cookie ingress-nginx sets
     * only on the rules' paths; and what belongs to a host rather than a location (server-alias,
     * from-to-www-redirect, auth-tls, ssl-passthrough, canary).
     *
     * @param namedHost whether the location is a named host's (with redirects), not the catch-all's
     */
    public RoutePolicy defaultLocation(boolean namedHost) {
        return new RoutePolicy(null, false, null, namedHost ? redirect : null, null, upstreamVhost, maxBodySize,
                connectTimeout, readTimeout, sendTimeout, null, hashBy, allowedSources, deniedSources,
                serviceUpstream, cors, rateLimit, httpsUpstream, nextUpstream, defaultBackend, null, ewma,
                customHttpErrors, namedHost ? sslRedirect : SslRedirect.NEVER, false, proxySsl, accessLog, requestRoute,
                externalAuth, userAuth, grpcUpstream, List.of(), false, null, satisfyAny, maxResponseHead,
                responseRewrite, customHeaders, denied, mirror);
    }

    /**
     * What of this policy holds where no rule of the host matches and no Ingress's {@code spec.defaultBackend} serves,
     * for the host's oldest Ingress: ingress-nginx's default location of the host, answered by the global default
     * backend. As a named host's {@link #defaultLocation}, less what shapes the request to a pod (backend-protocol,
     * proxy-ssl, upstream-vhost, upstream-hash-by, load-balance, service-upstream, default-backend, custom-http-errors,
     * mirror): the global default backend is the operator's, not the Ingress's.
     */
    public RoutePolicy globalDefaultLocation() {
        return new RoutePolicy(null, false, null, redirect, null, null, maxBodySize, connectTimeout, readTimeout,
                sendTimeout, null, null, allowedSources, deniedSources, false, cors, rateLimit, false, nextUpstream, null,
                null, false, Set.of(), sslRedirect, false, null, accessLog, requestRoute, externalAuth, userAuth, false,
                List.of(), false, null, satisfyAny, maxResponseHead, responseRewrite, customHeaders, denied, null);
    }

    /** This policy with {@code auth} as its user authentication. */
    public RoutePolicy withUserAuth(UserAuth auth) {
        return new RoutePolicy(rewriteTarget, regexPaths, appRoot, redirect, forwardedPrefix, upstreamVhost, maxBodySize,
                connectTimeout, readTimeout, sendTimeout, affinity, hashBy, allowedSources, deniedSources,
                serviceUpstream, cors, rateLimit, httpsUpstream, nextUpstream, defaultBackend, canary, ewma,
                customHttpErrors, sslRedirect, sslPassthrough, proxySsl, accessLog, requestRoute, externalAuth, auth,
                grpcUpstream, serverAliases, wwwRedirect, clientCertificates, satisfyAny, maxResponseHead,
                responseRewrite, customHeaders, denied, mirror);
    }

    /** This policy with {@code certificates} as its client certificate authentication. */
    public RoutePolicy withClientCertificates(ClientCertificates certificates) {
        return new RoutePolicy(rewriteTarget, regexPaths, appRoot, redirect, forwardedPrefix, upstreamVhost, maxBodySize,
                connectTimeout, readTimeout, sendTimeout, affinity, hashBy, allowedSources, deniedSources,
                serviceUpstream, cors, rateLimit, httpsUpstream, nextUpstream, defaultBackend, canary, ewma,
                customHttpErrors, sslRedirect, sslPassthrough, proxySsl, accessLog, requestRoute, externalAuth, userAuth,
                grpcUpstream, serverAliases, wwwRedirect, certificates, satisfyAny, maxResponseHead, responseRewrite,
                customHeaders, denied, mirror);
    }

    /** This policy with {@code auth} as its external authentication. */
    public RoutePolicy withExternalAuth(ExternalAuth auth) {
        return new RoutePolicy(rewriteTarget, regexPaths, appRoot, redirect, forwardedPrefix, upstreamVhost, maxBodySize,
                connectTimeout, readTimeout, sendTimeout, affinity, hashBy, allowedSources, deniedSources,
                serviceUpstream, cors, rateLimit, httpsUpstream, nextUpstream, defaultBackend, canary, ewma,
                customHttpErrors, sslRedirect, sslPassthrough, proxySsl, accessLog, requestRoute, auth, userAuth,
                grpcUpstream, serverAliases, wwwRedirect, clientCertificates, satisfyAny, maxResponseHead, responseRewrite,
                customHeaders, denied, mirror);
    }

    /** This policy with {@code headers} as the headers its responses carry. */
    public RoutePolicy withCustomHeaders(CustomHeaders headers) {
        return new RoutePolicy(rewriteTarget, regexPaths, appRoot, redirect, forwardedPrefix, upstreamVhost, maxBodySize,
                connectTimeout, readTimeout, sendTimeout, affinity, hashBy, allowedSources, deniedSources,
                serviceUpstream, cors, rateLimit, httpsUpstream, nextUpstream, defaultBackend, canary, ewma,
                customHttpErrors, sslRedirect, sslPassthrough, proxySsl, accessLog, requestRoute, externalAuth, userAuth,
                grpcUpstream, serverAliases, wwwRedirect, clientCertificates, satisfyAny, maxResponseHead, responseRewrite,
                headers, denied, mirror);
    }

    /**
     * This policy with every request answered 503; its host-wide parts (client certificates, aliases) stay.
     *
     * @param regex whether its paths are taken as regexes whatever it says: they then cover at least what they would
     *              have covered had its use-regex or rewrite-target been readable
     */
    public RoutePolicy deny(boolean regex) {
        return new RoutePolicy(rewriteTarget, regexPaths || regex, appRoot, redirect, forwardedPrefix, upstreamVhost, maxBodySize,
                connectTimeout, readTimeout, sendTimeout, affinity, hashBy, allowedSources, deniedSources,
                serviceUpstream, cors, rateLimit, httpsUpstream, nextUpstream, defaultBackend, canary, ewma,
                customHttpErrors, sslRedirect, sslPassthrough, proxySsl, accessLog, requestRoute, externalAuth, userAuth,
                grpcUpstream, serverAliases, wwwRedirect, clientCertificates, satisfyAny, maxResponseHead, responseRewrite,
                customHeaders, true, mirror);
    }

    /**
     * ingress-nginx's client certificate authentication ({@code auth-tls-*}). Like nginx's {@code ssl_verify_client}
     * it is a host's, not a path's: a host has the one of its oldest Ingress that asks for one.
     *
     * @param secret          the Secret of certificate authorities ({@code auth-tls-secret}), in the Ingress's namespace
     * @param verify          {@code auth-tls-verify-client}
     * @param depth           how many intermediates may stand between the client's certificate and an authority, as
     *                        OpenSSL's verify depth ({@code auth-tls-verify-depth}, 1)
     * @param errorPage       where a request without a good certificate is redirected (302) instead of a 400
     *                        ({@code auth-tls-error-page}), or {@code null}
     * @param passCertificate whether pods get the client's certificate ({@code auth-tls-pass-certificate-to-upstream})
     * @param matchSubject    what the certificate's subject must contain, or a request gets 403
     *                        ({@code auth-tls-match-cn}), or {@code null}
     * @param authority       the authorities read from the Secret when the Ingress was compiled; {@code null} before,
     *                        or when they could not be read: then every request for the host is refused
     */
    public record ClientCertificates(ObjectRef secret, Verify verify, int depth, String errorPage,
            boolean passCertificate, Pattern matchSubject, ClientCertificateAuthority authority) {

        /** {@code auth-tls-verify-client}'s values, as nginx's {@code ssl_verify_client}. */
        public enum Verify {
            /** A good certificate is needed. */
            ON,
            /** None is asked for. */
            OFF,
            /** None is needed, but one that is sent must be good. */
            OPTIONAL,
            /** Whatever is sent is taken, good or not, and pods are told which. */
            OPTIONAL_NO_CA;

            /** Whether TLS handshakes ask the client for a certificate. */
            public boolean asks() {
                return this != OFF;
            }
        }

        public ClientCertificates withAuthority(ClientCertificateAuthority read) {
            return new ClientCertificates(secret, verify, depth, errorPage, passCertificate, matchSubject, read);
        }

        // a Pattern has no equality of its own: two Ingresses asking alike must compare equal
        @Override
        public boolean equals(Object other) {
            return other instanceof ClientCertificates that && Objects.equals(secret, that.secret) && verify == that.verify
                    && depth == that.depth && Objects.equals(errorPage, that.errorPage)
                    && passCertificate == that.passCertificate
                    && Objects.equals(matchSubject == null ? null : matchSubject.pattern(),
                            that.matchSubject == null ? null : that.matchSubject.pattern())
                    && Objects.equals(authority, that.authority);
        }

        @Override
        public int hashCode() {
            return Objects.hash(secret, verify, depth, errorPage, passCertificate);
        }
    }

    /**
     * ingress-nginx's external authentication: before a request goes on, a request with its headers (no
     * body) is sent to {@code url}; a 2xx lets it go on, a 401 or 403 goes back to the client.
     *
     * @param method          the method of the request to the auth service ({@code auth-method}, GET)
     * @param signin          where a 401 is redirected instead (302, {@code auth-signin}), or {@code null}
     * @param redirectParam   the query parameter of {@code signin} that carries the original URL, added
     *                        when {@code signin} has none ({@code auth-signin-redirect-param}, {@code rd})
     * @param responseHeaders headers of the auth service's 2xx sent on to the pod ({@code auth-response-headers});
     *                        one the answer lacks is removed from the request, so a client cannot forge it
     * @param requestRedirect the {@code X-Auth-Request-Redirect} sent to the auth service, or {@code null}
     *                        for the request's URI
     * @param caching         answers kept for requests alike ({@code auth-cache-key}), or {@code null}
     * @param alwaysSetCookie the auth service's {@code Set-Cookie} goes to the client whatever the response's
     *                        status ({@code auth-always-set-cookie}); else only with a success or a redirect
     * @param requestHeaders  headers set on the request to the auth service ({@code auth-proxy-set-headers}), or
     *                        {@code null}
     */
    public record ExternalAuth(UrlTemplate url, String method, UrlTemplate signin, String redirectParam,
            List<String> responseHeaders, String requestRedirect, AuthCaching caching, boolean alwaysSetCookie,
            AuthRequestHeaders requestHeaders) {

        public ExternalAuth {
            responseHeaders = List.copyOf(responseHeaders);
        }

        public ExternalAuth withRequestHeaders(AuthRequestHeaders headers) {
            return new ExternalAuth(url, method, signin, redirectParam, responseHeaders, requestRedirect, caching,
                    alwaysSetCookie, headers);
        }
    }

    /**
     * ingress-nginx's {@code auth-proxy-set-headers}: a ConfigMap of headers for the request to the auth service,
     * as nginx's {@code proxy_set_header}: each value literal text and the variables {@link RequestKey} fills in;
     * an empty one removes the header.
     *
     * @param configMap the ConfigMap, in the Ingress's namespace unless the operator allows others
     * @param headers   its headers, read when the Ingress was compiled; {@code null} before
     */
    public record AuthRequestHeaders(ObjectRef configMap, Map<String, RequestKey> headers) {

        public AuthRequestHeaders {
            headers = headers == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        }

        public AuthRequestHeaders withHeaders(Map<String, RequestKey> read) {
            return new AuthRequestHeaders(configMap, read);
        }
    }

    /**
     * TLS to HTTPS pods beyond encryption, as ingress-nginx's {@code proxy-ssl-*}.
     *
     * @param secret     the Secret with {@code ca.crt} (trusted CAs) and optionally {@code tls.crt}/{@code tls.key}
     *                   (a client certificate); in the Ingress's namespace
     * @param verify     whether the pod's certificate must chain to {@code ca.crt} ({@code proxy-ssl-verify: on})
     * @param name       the name the pod's certificate must carry and the SNI name sent, or {@code null}
     * @param serverName whether SNI is sent ({@code proxy-ssl-server-name: on})
     * @param depth      the intermediates allowed between the pod's certificate and {@code ca.crt}
     *                   ({@code proxy-ssl-verify-depth}, 1 by default)
     */
    public record ProxySsl(ObjectRef secret, boolean verify, String name, boolean serverName, int depth) {
    }

    /**
     * ingress-nginx's redirect of plain HTTP to HTTPS.
     *
     * @param whenTls               redirect when the host has TLS ({@code ssl-redirect}, on by default)
     * @param force                 redirect even when it has none ({@code force-ssl-redirect})
     * @param preserveTrailingSlash keep a trailing {@code /} of the URI in the Location (else dropped, as nginx)
     */
    public record SslRedirect(boolean whenTls, boolean force, boolean preserveTrailingSlash) {

        public static final SslRedirect DEFAULT = new SslRedirect(true, false, false);
        /** No redirect to HTTPS, TLS or not: ingress-nginx's catch-all. */
        public static final SslRedirect NEVER = new SslRedirect(false, false, false);

        /** Whether a plain-HTTP request is redirected, given whether its host has TLS. */
        public boolean applies(boolean hostHasTls) {
            return force || whenTls && hostHasTls;
        }
    }

    /** The canary annotations of a canary Ingress, before its backend is known. */
    public record CanaryRule(String header, String headerValue, Pattern headerPattern, String cookie, int weight,
            int weightTotal) {
    }

    public RoutePolicy {
        allowedSources = Networks.copyOf(allowedSources);
        deniedSources = Networks.copyOf(deniedSources);
        customHttpErrors = Set.copyOf(customHttpErrors);
    }

    /** Whether a client address may use this route (allow-list, then deny-list, as ingress-nginx). */
    public boolean admits(InetSocketAddress client) {
        // asked of every request: loops, not streams, and nothing at all without source ranges
        if (!allowedSources.isEmpty() && !matchesAny(allowedSources, client)) {
            return false;
        }
        return deniedSources.isEmpty() || !matchesAny(deniedSources, client);
    }

    /**
     * Whether an allow-list admits the client, which under {@code satisfy: any} spares it authentication: nginx's
     * access module grants only on an {@code allow} rule, and says nothing without an allow-list.
     */
    public boolean allowListAdmits(InetSocketAddress client) {
        return !allowedSources.isEmpty() && admits(client);
    }

    private static boolean matchesAny(List<IpSubnetFilterRule> rules, InetSocketAddress client) {
        for (IpSubnetFilterRule rule : rules) {
            if (rule.matches(client)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Cookie session affinity, as ingress-nginx's {@code affinity: cookie}.
     *
     * @param persistent      {@code affinity-mode: persistent} (else balanced)
     * @param path            the cookie's Path, or {@code null} for the matched rule's path
     * @param maxAge          Max-Age in seconds, or negative for a session cookie
     * @param sameSite        {@code None}, {@code Lax}, {@code Strict}, or {@code null}
     * @param secure          forced Secure ({@code null}: only over HTTPS)
     * @param changeOnFailure whether a request that had to leave its pinned pod is re-pinned
     * @param canarySticky    {@code affinity-canary-behavior: sticky} (the default): a request pinned to a pod
     *                        of the main or the canary backend stays with that backend, whatever the canary's
     *                        weight; {@code legacy}: the canary rules choose first, as if there were no cookie
     */
    public record Affinity(boolean persistent, String cookieName, String path, String domain, long maxAge,
            long expires, String sameSite, boolean conditionalSameSiteNone, Boolean secure, boolean changeOnFailure,
            boolean canarySticky) {
    }

    /**
     * CORS as ingress-nginx's {@code enable-cors}, with its defaults.
     *
     * @param origins allowed origins: {@code *}, or exact origins and {@code scheme://*.domain} wildcards
     */
    public record Cors(List<String> origins, String methods, String headers, String exposeHeaders,
            boolean credentials, int maxAge) {

        public Cors {
            origins = List.copyOf(origins);
        }

        /** The Access-Control-Allow-Origin for a request's Origin, or {@code null} when it is not allowed. */
        public String allowedOrigin(String origin) {
            if (origins.contains("*")) {
                return "*";
            }
            if (origin == null) {
                return null;
            }
            for (String allowed : origins) {
                int star = allowed.indexOf("://*.");
                if (star < 0 ? allowed.equalsIgnoreCase(origin) : matchesOneLabel(allowed, star, origin)) {
                    return origin;
                }
            }
            return null;
        }
    }

    /**
     * ingress-nginx's per-client limits ({@code limit-rps}, {@code -rpm}, {@code -connections}), per
     * replica, and its pace of responses ({@code limit-rate}, {@code limit-rate-after}); 0 means no such limit.
     *
     * @param burstMultiplier       the burst is the rate times this (ingress-nginx: 5)
     * @param exempt                client networks no request or connection limit applies to ({@code limit-whitelist})
     * @param responseBytesPerSecond the pace of each response's body to the client ({@code limit-rate}), or 0
     * @param responseBytesAfter    the bytes of a response's body sent before it is paced ({@code limit-rate-after})
     */
    public record RateLimit(int perSecond, int perMinute, int connections, int burstMultiplier,
            List<IpSubnetFilterRule> exempt, long responseBytesPerSecond, long responseBytesAfter) {

        public RateLimit {
            exempt = Networks.copyOf(exempt);
        }

        /** Whether requests or connections are limited, beyond the pace of responses. */
        public boolean limitsRequests() {
            return perSecond > 0 || perMinute > 0 || connections > 0;
        }

        public boolean exempts(InetSocketAddress client) {
            return exempt.stream().anyMatch(rule -> rule.matches(client));
        }
    }

    /** {@code scheme://*.domain} covers exactly one more label, as ingress-nginx's origin check. */
    private static boolean matchesOneLabel(String allowed, int star, String origin) {
        String scheme = allowed.substring(0, star + 3);
        String suffix = allowed.substring(star + 4);
        if (!origin.regionMatches(true, 0, scheme, 0, scheme.length())) {
            return false;
        }
        String rest = origin.substring(scheme.length());
        int dot = rest.indexOf('.');
        return dot > 0 && rest.substring(dot).equalsIgnoreCase(suffix);
    }

    /**
     * A redirect of every request, to {@code location} as written, or with nginx variables ({@code $request_uri},
     * {@code $host}, ...) filled in from the request when {@code variables} is not {@code null}, as nginx's
     * {@code return} fills them in.
     */
    public record Redirect(String location, int status, RequestKey variables) {

        public Redirect(String location, int status) {
            this(location, status, null);
        }

        /**
         * Where one request is sent: what the request puts in escaped where a URL cannot hold it (control characters,
         * spaces, bytes above ASCII, a decoded path as its UTF-8), so that it stays one header value and one URL.
         */
        public String locationOf(RequestFacts request) {
            return variables == null ? location : variables.expand(request, PercentEncoding::locationPart);
        }
    }
}

package dev.caravan.gateway;

import dev.caravan.routing.PathRule;
import dev.caravan.routing.PercentEncoding;
import dev.caravan.routing.RequestFacts;
import dev.caravan.routing.RequestKey;
import dev.caravan.routing.RoutePolicy;
import dev.caravan.routing.SettableHeaders;
import dev.caravan.routing.UrlTemplate;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * ingress-nginx's external authentication ({@code auth-url}), as nginx's {@code auth_request} does it: the
 * request's headers, without its body, go to the auth service with {@code X-Original-URL},
 * {@code X-Original-Method}, {@code X-Auth-Request-Redirect} and the client's address; a 2xx lets the request
 * on with the {@code auth-response-headers} of the answer; a 401 goes back to the client (or to
 * {@code auth-signin}, 302), a 403 too; anything else, a failure or a timeout is 500. The answer's cookies go
 * to the client ({@link AuthCookies}). The JDK's HTTP client does the call, asynchronously on threads of its
 * own, never on an event loop; at most {@link #MAX_IN_FLIGHT} calls are under way at once, and a request beyond
 * gets 503. Under {@code auth-cache-key}, answers are kept ({@link AuthAnswerCache}) and a request that finds
 * one is not asked about.
 */
public final class ExternalAuth {

    static final int MAX_IN_FLIGHT = 1024;
    private static final byte[] NO_BODY = new byte[0];
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?|\\[[0-9A-Fa-f:.]+]");
    private static final Pattern AUTHORITY = Pattern.compile("(?:[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
            + "|\\[[0-9A-Fa-f:.]+])(?::[0-9]{1,5})?");

    private final ThreadPoolExecutor executor;
    private final HttpClient client;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private final AuthAnswerCache answers = new AuthAnswerCache();

    /** @param connectTimeout how long to wait for the auth service's connection */
    public ExternalAuth(Duration connectTimeout) {
        executor = new ThreadPoolExecutor(2, 4, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(16 * MAX_IN_FLIGHT), new DefaultThreadFactory("caravan-auth", true),
                new ThreadPoolExecutor.CallerRunsPolicy());
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER).executor(executor).build();
    }

    /** Stops the client's threads (when Caravan stops). */
    public void close() {
        executor.shutdownNow();
    }

    /**
     * What auth-url takes of a request besides its head, made on the event loop where the request is whole.
     *
     * @param cacheKey   its {@link #cacheKey}, or {@code null} when answers are not kept
     * @param setHeaders the headers {@code auth-proxy-set-headers} sets on the request to the auth service (an
     *                   empty value removes one)
     * @param requestId  its X-Request-ID, as ingress-nginx's {@code $req_id}: the one the pod gets too
     */
    record Asked(String cacheKey, Map<String, String> setHeaders, String requestId) {
    }

    /** What a request brings to auth-url: see {@link Asked}. */
    static Asked asked(RoutePolicy.ExternalAuth auth, PathRule rule, RequestFacts request) {
        Map<String, String> set = Map.of();
        if (auth.requestHeaders() != null && auth.requestHeaders().headers() != null) {
            set = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (Map.Entry<String, RequestKey> header : auth.requestHeaders().headers().entrySet()) {
                set.put(header.getKey(), PercentEncoding.headerValue(header.getValue().keyOf(request)));
            }
        }
        String sent = request.request().headers().get("X-Request-ID");
        return new Asked(cacheKey(auth, rule, request), set, RequestFacts.passedOn(sent) ? sent : request.requestId());
    }

    /** The check of {@code auth} for a request. */
    RequestCheck check(RoutePolicy.ExternalAuth auth, Asked asked) {
        return (head, done) -> ask(auth, asked, head, done);
    }

    /**
     * What identifies the auth service's answer to a request for {@code auth-cache-key}, or {@code null} when
     * answers are not kept: the rule's own place (as nginx's, per server and location, and narrower: the
     * Ingress, the host, the auth settings), and the key's value for the request. The URL asked is added when
     * it is known ({@link #ask}), and the whole is kept as a digest, so that a key of credentials keeps none.
     */
    private static String cacheKey(RoutePolicy.ExternalAuth auth, PathRule rule, RequestFacts request) {
        if (auth.caching() == null) {
            return null;
        }
        // what the answer's use depends on: after an edit of any, answers kept before are not found
        return (rule == null ? "" : rule.ingress() + " " + rule.type() + " " + rule.path()) + "\n" + request.host() + "\n"
                + auth.method() + " " + auth.url() + "\n" + auth.responseHeaders() + "\n" + auth.requestHeaders() + "\n"
                + auth.caching().key()
                + "\n" + auth.caching().key().keyOf(request);
    }

    private static String digest(String cacheKey, URI url) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(url.toString().getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            return Base64.getEncoder().encodeToString(digest.digest(cacheKey.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private void ask(RoutePolicy.ExternalAuth auth, Asked asked, RequestHead head, Consumer<Verdict> done) {
        String cacheKey = asked.cacheKey();
        // the host goes into URLs ($host, X-Original-URL): only a host name, or the auth request could go elsewhere
        if (head.host() == null || !HOST.matcher(head.host()).matches()
                || head.authority() != null && !AUTHORITY.matcher(head.authority()).matches()) {
            done.accept(new Verdict.Refused(HttpResponseStatus.BAD_REQUEST, "Host " + head.authority()
                    + " is not a host name, and auth-url needs one"));
            return;
        }
        if (head.hostChosenByClient() && (auth.url().usesHost() || auth.signin() != null && auth.signin().usesHost())) {
            // a client would choose where Caravan sends the auth request, with the user's cookies (SSRF)
            done.accept(new Verdict.Refused(HttpResponseStatus.INTERNAL_SERVER_ERROR, "auth-url or auth-signin of "
                    + head.ingress() + " uses $host on a rule without a host, where any Host a client sends would do"));
            return;
        }
        UrlTemplate.Request variables = new UrlTemplate.Request(head.scheme(), head.host(), head.uri(), head.path());
        URI url = auth.url().expand(variables);
        if (url == null) {
            done.accept(new Verdict.Refused(HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    "auth-url " + auth.url() + " makes no URL for " + head.uri()));
            return;
        }
        String kept = cacheKey == null ? null : digest(cacheKey, url);
        AuthAnswerCache.Answer answer = kept == null ? null : answers.get(kept, System.nanoTime());
        if (answer != null) {
            done.accept(verdict(auth, head, variables, url, answer.status(), answer.headers()));
            return;
        }
        HttpRequest request;
        try {
            request = request(auth, head, url, asked);
        } catch (IllegalArgumentException e) {
            done.accept(new Verdict.Refused(HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    "auth-url " + url + ": " + e.getMessage()));
            return;
        }
        if (!head.waiting().getAsBoolean()) {
            done.accept(new Verdict.Refused(HttpResponseStatus.SERVICE_UNAVAILABLE, "the client has gone"));
            return;
        }
        if (!inFlight.tryAcquire()) {
            done.accept(new Verdict.Refused(HttpResponseStatus.SERVICE_UNAVAILABLE,
                    MAX_IN_FLIGHT + " auth-url requests under way already"));
            return;
        }
        client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, failure) -> {
            inFlight.release();
            Verdict verdict;
            try {
                if (failure != null) {
                    verdict = new Verdict.Refused(HttpResponseStatus.INTERNAL_SERVER_ERROR,
                            "auth-url " + url + " failed: " + JdkHttp.why(failure));
                } else {
                    Map<String, List<String>> answered = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                    answered.putAll(response.headers().map());
                    verdict = verdict(auth, head, variables, url, response.statusCode(), answered);
                    if (kept != null) {
                        keep(kept, auth, response.statusCode(), answered);
                    }
                }
            } catch (RuntimeException e) {
                verdict = new Verdict.Refused(HttpResponseStatus.INTERNAL_SERVER_ERROR,
                        "auth-url " + url + " answered what makes no HTTP: " + e.getMessage());
            }
            done.accept(verdict);
        });
    }

    private static HttpRequest request(RoutePolicy.ExternalAuth auth, RequestHead head, URI url, Asked asked) {
        Map<String, String> setHeaders = asked.setHeaders();
        HttpRequest.Builder request = JdkHttp.bodiless(HttpRequest.newBuilder(url).timeout(head.timeout()),
                auth.method());
        // the URL's host name without its port, as ingress-nginx's auth location sets it
        JdkHttp.host(request, url.getHost());
        for (Map.Entry<String, String> header : head.headers()) {
            // the framing is the JDK client's own (it refuses Host, Content-Length...), Camel's headers are nobody's;
            // auth-proxy-set-headers replaces (or, empty, removes) what the client sent
            if (SettableHeaders.settable(header.getKey()) && !setHeaders.containsKey(header.getKey())) {
                request.header(header.getKey(), header.getValue());
            }
        }
        String authority = head.authority() == null ? head.host() : head.authority();
        // as sent, but for bytes above ASCII: the JDK client would write each as '?'
        String target = PercentEncoding.aboveAscii(head.uri());
        request.setHeader("X-Original-URL", head.scheme() + "://" + authority + target);
        request.setHeader("X-Original-Method", head.method());
        // ingress-nginx sends these two with auth-method only, and else lets the client's through: set here always,
        // so that an auth service reading them reads Caravan's
        request.setHeader("X-Original-URI", target);
        request.setHeader("X-Scheme", head.scheme());
        request.setHeader("X-Sent-From", "nginx-ingress-controller");
        if (!setHeaders.containsKey("X-Request-ID")) {
            request.setHeader("X-Request-ID", asked.requestId());
        }
        request.setHeader("X-Real-IP", head.client());
        request.setHeader("X-Forwarded-For", head.client());
        request.setHeader("X-Forwarded-Host", authority);
        request.setHeader("X-Forwarded-Proto", head.scheme());
        request.setHeader("X-Auth-Request-Redirect", auth.requestRedirect() != null ? auth.requestRedirect() : target);
        setHeaders.forEach((name, value) -> {
            if (!value.isEmpty()) {
                request.setHeader(name, value);
            }
        });
        return request.build();
    }

    /** Keeps an answer if it may be kept; an answer that cannot be is used all the same. */
    private void keep(String key, RoutePolicy.ExternalAuth auth, int status, Map<String, List<String>> headers) {
        try {
            answers.offer(key, auth.caching(), status, headers, read(auth), System.nanoTime());
        } catch (RuntimeException e) {
            RequestWarnings.warn("auth-url answer not kept: {}", e.toString());
        }
    }

    /** The headers of an answer its verdict reads, but for cookies (an answer with cookies is not kept). */
    private static List<String> read(RoutePolicy.ExternalAuth auth) {
        List<String> read = new ArrayList<>(auth.responseHeaders());
        read.add(HttpHeaderNames.WWW_AUTHENTICATE.toString());
        return read;
    }

    /**
     * What the auth service's answer means for the request. Its cookies go to the client as nginx's
     * {@code auth_request_set} and {@code add_header Set-Cookie} send them: with the response to a request let
     * on, and with the sign-in redirect; with a refusal only under {@code auth-always-set-cookie}.
     *
     * @param headers the answer's headers, looked up in any case
     */
    static Verdict verdict(RoutePolicy.ExternalAuth auth, RequestHead head, UrlTemplate.Request variables, URI url,
            int status, Map<String, List<String>> headers) {
        List<String> cookies = headers.getOrDefault("Set-Cookie", List.of());
        if (status >= 200 && status < 300) {
            Map<String, List<String>> set = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            Set<String> removed = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
            for (String name : auth.responseHeaders()) {
                if (!SettableHeaders.settable(name)) {
                    continue;
                }
                List<String> values = headers.get(name);
                if (values == null || values.isEmpty()) {
                    removed.add(name);
                } else {
                    set.put(name, values);
                }
            }
            return new Verdict.Proceed(set, removed, List.copyOf(cookies), auth.alwaysSetCookie());
        }
        if (status == 401 && auth.signin() != null) {
            URI signin = auth.signin().expand(variables);
            if (signin == null) {
                return new Verdict.Refused(HttpResponseStatus.INTERNAL_SERVER_ERROR,
                        "auth-signin " + auth.signin() + " makes no URL for " + head.uri());
            }
            HttpHeaders location = new DefaultHttpHeaders();
            location.set(HttpHeaderNames.LOCATION, withRedirect(signin, auth.redirectParam(), head));
            location.add(HttpHeaderNames.SET_COOKIE, cookies);
            return new Verdict.Answer(302, location, NO_BODY);
        }
        if (status == 401 || status == 403) {
            HttpHeaders challenge = new DefaultHttpHeaders();
            if (status == 401) {
                headers.getOrDefault("WWW-Authenticate", List.of())
                        .forEach(value -> challenge.add(HttpHeaderNames.WWW_AUTHENTICATE, value));
            }
            if (auth.alwaysSetCookie()) {
                challenge.add(HttpHeaderNames.SET_COOKIE, cookies);
            }
            HttpResponseStatus answer = HttpResponseStatus.valueOf(status);
            challenge.set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            return new Verdict.Answer(status, challenge,
                    (answer.code() + " " + answer.reasonPhrase() + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        return new Verdict.Refused(HttpResponseStatus.INTERNAL_SERVER_ERROR,
                "auth-url " + url + " answered " + status);
    }

    /** The sign-in URL with the original URL in its redirect parameter, unless it names one already. */
    private static String withRedirect(URI signin, String param, RequestHead head) {
        String url = signin.toString();
        String query = signin.getRawQuery();
        if (query != null && (query.startsWith(param + "=") || query.contains("&" + param + "="))) {
            return url;
        }
        String authority = head.authority() == null ? head.host() : head.authority();
        String original = head.scheme() + "://" + authority + head.uri();
        return url + (query == null ? "?" : "&") + param + "=" + URLEncoder.encode(original, StandardCharsets.ISO_8859_1);
    }
}

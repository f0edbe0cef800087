package dev.caravan.balance;

import dev.caravan.routing.Backend;
import dev.caravan.routing.RequestCookies;
import dev.caravan.routing.RoutePolicy;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.CookieHeaderNames;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;
import java.net.InetSocketAddress;
import java.util.Date;
import java.util.regex.Pattern;

/**
 * Cookie session affinity for one request: which pod the request's cookie pins (if any), and the
 * cookie to set on the response when the request was not pinned, or was re-pinned. Values are read
 * and written with Netty's cookie codecs; see {@link AffinityIndex} for how values map to pods.
 */
public final class StickySession {

    private static final Pattern KEY = Pattern.compile("[0-9a-f]{32}(\\.[0-9a-f]{8})?");
    /** Browsers that reject SameSite=None cookies outright (Chrome 51-66, Safari on iOS 12 and macOS 10.14). */
    private static final Pattern SAME_SITE_NONE_INCOMPATIBLE = Pattern.compile(
            "Chrom(e|ium)/(5[1-9]|6[0-6])\\.|\\(iP.+; CPU .*OS 12[_\\d]* like Mac OS X|Mac OS X 10_14[_\\d]*\\)"
                    + " AppleWebKit/[.\\d]+ \\(KHTML, like Gecko\\) (Version/[.\\d]+ )?Safari");

    private final RoutePolicy.Affinity affinity;
    private final Backend backend;
    private final String cookiePath;
    private final boolean https;
    private final String userAgent;
    private final String cookieValue;
    private final InetSocketAddress preferred;
    private final String balancedKey;

    /**
     * @param rulePath the matched rule's path: the cookie's Path unless the annotation sets one
     */
    public StickySession(RoutePolicy.Affinity affinity, Backend backend, HttpHeaders requestHeaders, String rulePath,
            boolean https) {
        this.affinity = affinity;
        this.backend = backend;
        this.cookiePath = affinity.path() != null ? affinity.path() : rulePath;
        this.https = https;
        this.userAgent = requestHeaders.get(HttpHeaderNames.USER_AGENT, "");
        String value = readCookie(requestHeaders, affinity.cookieName());
        if (affinity.persistent()) {
            cookieValue = value;
            preferred = value == null ? null : backend.affinity().byPersistentKey(value);
            balancedKey = null;
        } else {
            // another backend's cookie (the canary's, or main's) is no cookie of this one
            cookieValue = value == null || value.length() > 32 && !value.endsWith("." + backend.affinity().backendKey())
                    ? null : value;
            balancedKey = cookieValue != null ? cookieValue.substring(0, 32) : AffinityIndex.newBalancedKey();
            preferred = backend.affinity().onRing(balancedKey);
        }
    }

    /**
     * Whether the request's cookie pins it to {@code backend}: to one of its pods (persistent), or by the
     * backend's mark (balanced). For {@code affinity-canary-behavior: sticky}.
     */
    public static boolean pins(RoutePolicy.Affinity affinity, HttpHeaders requestHeaders, Backend backend) {
        String value = readCookie(requestHeaders, affinity.cookieName());
        if (value == null || !backend.hasEndpoints()) {
            return false;
        }
        return affinity.persistent() ? backend.affinity().byPersistentKey(value) != null
                : value.endsWith("." + backend.affinity().backendKey());
    }

    /** The pod to try first, or {@code null} to let the balancer choose. */
    public InetSocketAddress preferred() {
        return preferred;
    }

    /** Adds the Set-Cookie that pins {@code served}, when the request was not (or not rightly) pinned. */
    public void onResponse(HttpResponse response, InetSocketAddress served) {
        boolean pinnedElsewhere = preferred != null && !preferred.equals(served);
        String value;
        if (affinity.persistent()) {
            boolean pinned = preferred != null;
            if (pinned && !(pinnedElsewhere && affinity.changeOnFailure())) {
                return;
            }
            value = backend.affinity().persistentKey(served);
        } else {
            boolean hadCookie = cookieValue != null;
            if (hadCookie && !(pinnedElsewhere && affinity.changeOnFailure())) {
                return;
            }
            value = pinnedElsewhere ? keyLandingOn(served) : balancedKey;
            if (value == null) {
                return;
            }
            value = value + "." + backend.affinity().backendKey();
        }
        response.headers().add(HttpHeaderNames.SET_COOKIE, encode(cookie(value)));
    }

    /** As ingress-nginx's picker: random keys until one lands on the pod that answered (20 tries). */
    private String keyLandingOn(InetSocketAddress served) {
        for (int i = 0; i < 20; i++) {
            String key = AffinityIndex.newBalancedKey();
            if (served.equals(backend.affinity().onRing(key))) {
                return key;
            }
        }
        return null;
    }

    private Cookie cookie(String value) {
        DefaultCookie cookie = new DefaultCookie(affinity.cookieName(), value);
        cookie.setPath(cookiePath);
        cookie.setHttpOnly(true);
        if (affinity.domain() != null) {
            cookie.setDomain(affinity.domain());
        }
        cookie.setSecure(affinity.secure() != null ? affinity.secure() : https);
        if (affinity.sameSite() != null) {
            boolean skipNone = affinity.sameSite().equals("None") && affinity.conditionalSameSiteNone()
                    && SAME_SITE_NONE_INCOMPATIBLE.matcher(userAgent).find();
            if (!skipNone) {
                cookie.setSameSite(CookieHeaderNames.SameSite.valueOf(affinity.sameSite()));
            }
        }
        return cookie;
    }

    /**
     * The Set-Cookie value, with Max-Age and Expires each from its own annotation, as ingress-nginx sets them: Netty's
     * encoder would write an Expires of the Max-Age only, and none without it.
     */
    private String encode(Cookie cookie) {
        StringBuilder value = new StringBuilder(ServerCookieEncoder.STRICT.encode(cookie));
        if (affinity.maxAge() >= 0) {
            value.append("; Max-Age=").append(affinity.maxAge());
        }
        if (affinity.expires() >= 0) {
            value.append("; Expires=").append(DateFormatter.format(
                    new Date(System.currentTimeMillis() + affinity.expires() * 1000)));
        }
        return value.toString();
    }

    /** The first value of the cookie that is one of ours; a request's others (another app's) are ignored. */
    private static String readCookie(HttpHeaders headers, String name) {
        for (String value : RequestCookies.values(headers, name)) {
            if (KEY.matcher(value).matches()) {
                return value;
            }
        }
        return null;
    }
}

package dev.caravan.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The merged paths of every Ingress rule for one host, ordered so that the first match is the right
 * one: longest path first, and {@code Exact} before a prefix of the same length ({@link #MATCH_ORDER}).
 *
 * @param defaultBackend the {@code spec.defaultBackend} that applies to this host, or {@code null}
 * @param defaultRule    what serves where none of its rules match, as ingress-nginx's default location of the host: a
 *                       {@code /} prefix rule of the Ingress whose {@code spec.defaultBackend} serves, with its
 *                       annotations ({@link RoutePolicy#defaultLocation(boolean)}); else of the oldest Ingress naming the
 *                       host, to the table's default backend ({@link Backend#TABLE_DEFAULT},
 *                       {@link RoutePolicy#globalDefaultLocation()}); or {@code null}
 * @param appRoot        where {@code /} of this host is redirected ({@code app-root}), or {@code null}
 * @param tls            whether an Ingress's {@code spec.tls} covers this host
 * @param redirectTo     the host every request of this one is redirected to ({@code from-to-www-redirect}), or
 *                       {@code null}
 * @param clientCertificates the client certificates the host asks for ({@code auth-tls-*}), or {@code null}
 */
public record HostRoutes(List<PathRule> rules, Backend defaultBackend, PathRule defaultRule, String appRoot, boolean tls,
        String redirectTo, RoutePolicy.ClientCertificates clientCertificates) {

    /**
     * Longest first; of one length, Exact, then Prefix, then ImplementationSpecific, as nginx's locations for them
     * rank ({@code = /api}, then {@code /api/}, then {@code /api}); then the longer text ({@code /api/} before
     * {@code /api}, two ImplementationSpecific locations).
     */
    private static final Comparator<PathRule> MATCH_ORDER = Comparator
            .comparingInt((PathRule rule) -> rule.matchPath().length()).reversed()
            .thenComparingInt(rule -> rule.type() == PathType.EXACT ? 0 : rule.type() == PathType.PREFIX ? 1 : 2)
            .thenComparing(Comparator.comparingInt((PathRule rule) -> rule.path().length()).reversed());

    public HostRoutes(List<PathRule> rules, Backend defaultBackend) {
        this(rules, defaultBackend, null, null, false, null, null);
    }

    public HostRoutes(List<PathRule> rules, Backend defaultBackend, PathRule defaultRule, String appRoot, boolean tls,
            RoutePolicy.ClientCertificates clientCertificates) {
        this(rules, defaultBackend, defaultRule, appRoot, tls, null, clientCertificates);
    }

    /** A host that only redirects to {@code host}. */
    public static HostRoutes redirecting(String host) {
        return new HostRoutes(List.of(), null, null, null, false, host, null);
    }

    public HostRoutes {
        List<PathRule> ordered = new ArrayList<>(rules);
        ordered.sort(MATCH_ORDER);
        rules = List.copyOf(ordered);
    }

    /** These routes, covered by TLS or not. */
    public HostRoutes withTls(boolean covered) {
        return covered == tls ? this
                : new HostRoutes(rules, defaultBackend, defaultRule, appRoot, covered, redirectTo, clientCertificates);
    }

    /**
     * The rule serving a request path, or {@code null} when none of this host's paths match. As nginx, a location
     * that is the request's path wins over the redirect to {@code /api/} of a request for {@code /api}
     * ({@link PathRule#redirectsToSlash}): only an ImplementationSpecific {@code /api} can follow that rule.
     */
    public PathRule match(String requestPath) {
        for (int i = 0; i < rules.size(); i++) {
            PathRule rule = rules.get(i);
            if (rule.matches(requestPath)) {
                return rule.redirectsToSlash(requestPath) ? itself(requestPath, i + 1, rule) : rule;
            }
        }
        return null;
    }

    private PathRule itself(String requestPath, int from, PathRule redirecting) {
        int length = redirecting.matchPath().length();
        for (int i = from; i < rules.size() && rules.get(i).matchPath().length() == length; i++) {
            PathRule rule = rules.get(i);
            if (rule.matches(requestPath) && !rule.redirectsToSlash(requestPath)) {
                return rule;
            }
        }
        return redirecting;
    }
}

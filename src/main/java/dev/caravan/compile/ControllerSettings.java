package dev.caravan.compile;

import dev.caravan.compile.annotation.AnnotationCatalog;
import dev.caravan.compile.annotation.AnnotationFinding;
import dev.caravan.compile.annotation.AnnotationParser;
import dev.caravan.routing.ObjectRef;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What this controller claims and falls back to.
 *
 * @param ingressClass             the class name matched against {@code kubernetes.io/ingress.class}
 * @param controllerClass          the IngressClass {@code spec.controller} value that means "ours"
 * @param watchIngressWithoutClass whether Ingresses naming no class are ours even without a default class
 * @param defaultBackendService    the Service serving what no rule matches, or {@code null} for a built-in 404
 * @param sslPassthrough           whether {@code ssl-passthrough} is honoured ({@code --enable-ssl-passthrough})
 * @param crossNamespaceSecrets    whether annotations may name Secrets of other namespaces than their Ingress's
 *                                 ({@code --allow-cross-namespace-resources}, as ingress-nginx's ConfigMap key)
 * @param allowedResponseHeaders   the headers {@code custom-headers} may set, lower case
 *                                 ({@code --global-allowed-response-headers}, as ingress-nginx's ConfigMap key)
 * @param addHeaders               the ConfigMap of headers set on every response ({@code --add-headers}), or
 *                                 {@code null}
 * @param proxySetHeaders          the ConfigMap of headers set on every request to a pod ({@code --proxy-set-headers}),
 *                                 or {@code null}
 * @param annotationDefaults       values of ingress-nginx annotations (names without the prefix) for every Ingress
 *                                 that does not set them, as ingress-nginx's ConfigMap keys of those names
 *                                 ({@code --ssl-redirect}, {@code --whitelist-source-range}, ...)
 * @param globalAuth               the auth-* annotations (names without the prefix) of {@code --global-auth-url} for
 *                                 Ingresses without an auth-url of their own, or empty
 * @param noAuthLocations          the path prefixes where no auth-url is asked ({@code --no-auth-locations})
 * @param tcpServices              the ConfigMap of ports relayed to Services ({@code --tcp-services-configmap}), or
 *                                 {@code null}
 * @param udpServices              the ConfigMap of UDP ports relayed to Services ({@code --udp-services-configmap}),
 *                                 or {@code null}
 * @param externalNameServices     whether Services of type ExternalName are proxied to, at the addresses their names
 *                                 resolve to (else refused: {@code --disable-svc-external-name})
 * @param disableCatchAll          whether an Ingress with a {@code spec.defaultBackend} is ignored
 *                                 ({@code --disable-catch-all})
 * @param namespaceSelector        the labels of the namespaces whose Ingresses are served
 *                                 ({@code --watch-namespace-selector}), or {@code null} for all
 */
public record ControllerSettings(String ingressClass, String controllerClass, boolean watchIngressWithoutClass,
        ObjectRef defaultBackendService, boolean sslPassthrough, boolean crossNamespaceSecrets,
        Set<String> allowedResponseHeaders, ObjectRef addHeaders, ObjectRef proxySetHeaders,
        Map<String, String> annotationDefaults, Map<String, String> globalAuth, List<String> noAuthLocations,
        ObjectRef tcpServices, ObjectRef udpServices, boolean externalNameServices, boolean disableCatchAll,
        LabelSelector namespaceSelector) {

    public ControllerSettings {
        allowedResponseHeaders = allowedResponseHeaders.stream().map(name -> name.toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
        annotationDefaults = Map.copyOf(annotationDefaults);
        globalAuth = Map.copyOf(globalAuth);
        noAuthLocations = List.copyOf(noAuthLocations);
    }

    /** ingress-nginx's external-auth annotations: the global ones replace an Ingress's stray ones, as a whole. */
    private static final Set<String> EXTERNAL_AUTH = Set.of("auth-url", "auth-method", "auth-signin",
            "auth-signin-redirect-param", "auth-response-headers", "auth-request-redirect", "auth-cache-key",
            "auth-cache-duration", "auth-always-set-cookie", "auth-proxy-set-headers", "auth-keepalive",
            "auth-keepalive-requests", "auth-keepalive-timeout", "auth-keepalive-share-vars", "auth-snippet");

    /**
     * The annotations an Ingress is read with: its own, the flags' values of those it does not set, and, unless it has
     * an auth-url of its own or says {@code enable-global-auth: "false"}, {@code --global-auth-url}'s auth-* settings
     * in place of any of its own, as ingress-nginx replaces a location's external auth with the global one.
     */
    public Map<String, String> effective(Map<String, String> annotations) {
        Map<String, String> own = annotations == null ? Map.of() : annotations;
        if (annotationDefaults.isEmpty() && globalAuth.isEmpty()) {
            return own;
        }
        Map<String, String> effective = new HashMap<>(own);
        annotationDefaults.forEach((name, value) -> {
            String set = own.get(AnnotationCatalog.PREFIX + name);
            if (set == null || set.isBlank()) {
                effective.put(AnnotationCatalog.PREFIX + name, value);
            }
        });
        if (takesGlobalAuth(own)) {
            EXTERNAL_AUTH.forEach(name -> effective.remove(AnnotationCatalog.PREFIX + name));
            globalAuth.forEach((name, value) -> effective.put(AnnotationCatalog.PREFIX + name, value));
        }
        return effective;
    }

    /**
     * An Ingress's annotations parsed as they are read ({@link #effective}). An invalid value that is passed over (a
     * timeout of {@code 60s}, say) gives way to the flag of its name where one is set, as ingress-nginx's parsers fall
     * back to its ConfigMap's value rather than the built-in default; the findings still name the Ingress's value.
     *
     * @param namespace the Ingress's namespace
     */
    public AnnotationParser.Parsed parse(Map<String, String> annotations, String namespace) {
        return parseEffective(effective(annotations), namespace);
    }

    /** As {@link #parse}, given the annotations as they are read already ({@link #effective}). */
    public AnnotationParser.Parsed parseEffective(Map<String, String> effective, String namespace) {
        AnnotationParser.Parsed parsed = AnnotationParser.parse(effective, namespace, crossNamespaceSecrets);
        Map<String, String> flagged = null;
        for (AnnotationFinding finding : parsed.findings()) {
            String flag = finding.kind() == AnnotationFinding.Kind.IGNORED
                    ? annotationDefaults.get(finding.annotation().substring(AnnotationCatalog.PREFIX.length())) : null;
            if (flag != null) {
                if (flagged == null) {
                    flagged = new HashMap<>(effective);
                }
                flagged.put(finding.annotation(), flag);
            }
        }
        return flagged == null ? parsed : new AnnotationParser.Parsed(
                AnnotationParser.parse(flagged, namespace, crossNamespaceSecrets).policy(), parsed.findings());
    }

    private boolean takesGlobalAuth(Map<String, String> own) {
        if (globalAuth.isEmpty()) {
            return false;
        }
        String url = own.get(AnnotationCatalog.PREFIX + "auth-url");
        // Go's ParseBool, as ingress-nginx reads the opt-out
        String optOut = own.get(AnnotationCatalog.PREFIX + "enable-global-auth");
        boolean optedOut = optOut != null && Set.of("0", "f", "F", "false", "FALSE", "False").contains(optOut.trim());
        return (url == null || url.isBlank()) && !optedOut;
    }

    public ControllerSettings(String ingressClass, String controllerClass, boolean watchIngressWithoutClass,
            ObjectRef defaultBackendService) {
        this(ingressClass, controllerClass, watchIngressWithoutClass, defaultBackendService, false, false, Set.of(),
                null, null, Map.of(), Map.of(), List.of("/.well-known/acme-challenge"), null, null, true, false, null);
    }

    /** These settings with these ConfigMaps as {@code --tcp-services-configmap} and {@code --udp-services-configmap}. */
    public ControllerSettings withStreamServices(ObjectRef tcp, ObjectRef udp) {
        return new ControllerSettings(ingressClass, controllerClass, watchIngressWithoutClass, defaultBackendService,
                sslPassthrough, crossNamespaceSecrets, allowedResponseHeaders, addHeaders, proxySetHeaders,
                annotationDefaults, globalAuth, noAuthLocations, tcp, udp, externalNameServices, disableCatchAll,
                namespaceSelector);
    }

    /** These settings with Services of type ExternalName proxied to, or refused ({@code --disable-svc-external-name}). */
    public ControllerSettings withExternalNameServices(boolean allowed) {
        return new ControllerSettings(ingressClass, controllerClass, watchIngressWithoutClass, defaultBackendService,
                sslPassthrough, crossNamespaceSecrets, allowedResponseHeaders, addHeaders, proxySetHeaders,
                annotationDefaults, globalAuth, noAuthLocations, tcpServices, udpServices, allowed, disableCatchAll,
                namespaceSelector);
    }

    public static final String DEFAULT_INGRESS_CLASS = "caravan";
    public static final String DEFAULT_CONTROLLER_CLASS = "caravan.dev/ingress-controller";

    public static ControllerSettings defaults() {
        return new ControllerSettings(DEFAULT_INGRESS_CLASS, DEFAULT_CONTROLLER_CLASS, false, null);
    }
}

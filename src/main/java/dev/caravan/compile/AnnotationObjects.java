package dev.caravan.compile;

import dev.caravan.auth.BasicCredentials;
import dev.caravan.auth.DigestCredentials;
import dev.caravan.auth.ClientCertificateAuthority;
import dev.caravan.compile.annotation.AnnotationCatalog;
import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.RequestKey;
import dev.caravan.routing.RoutePolicy;
import dev.caravan.routing.SettableHeaders;
import dev.caravan.state.ClusterState;
import dev.caravan.state.ResourceKind;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The Secrets and ConfigMaps an Ingress's annotations name, read from the state into its policy: the users of
 * {@code auth-secret}, the certificate authorities of {@code auth-tls-secret}, and the ConfigMaps of headers,
 * {@code custom-headers} (response headers, each one the operator allows, as ingress-nginx's
 * global-allowed-response-headers) and {@code auth-proxy-set-headers} (headers of the request to auth-url, with nginx
 * variables). Each reader notes the reference it reads, found or not, and throws an {@link IllegalArgumentException}
 * naming the annotation, the object and what is wrong with it.
 */
final class AnnotationObjects {

    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9_-]+");
    // what ingress-nginx lets a custom header's value hold: printable ASCII but a few quoting characters
    private static final Pattern HEADER_VALUE = Pattern.compile("[A-Za-z0-9_ :;.,\\\\/\"'?!(){}\\[\\]@<>=+*#$&`|~^%-]+");

    private final ClusterState state;
    private final Set<String> allowedResponseHeaders;

    /** @param allowedResponseHeaders the headers custom-headers may set, lower case */
    AnnotationObjects(ClusterState state, Set<String> allowedResponseHeaders) {
        this.state = state;
        this.allowedResponseHeaders = allowedResponseHeaders;
    }

    /**
     * The policy with its users and what its ConfigMaps hold; not its certificate authorities, which are read apart
     * ({@link #withAuthority}), so that a version denied for its users keeps them. A canary's ConfigMaps are neither
     * read nor needed: its requests are answered under the main Ingress's policy.
     */
    RoutePolicy read(RoutePolicy policy, Set<ObjectRef> read) {
        policy = withUsers(policy, read);
        return policy.canary() != null ? policy : withAuthRequestHeaders(withCustomHeaders(policy, read), read);
    }

    /** The policy with the users of its auth-secret. */
    RoutePolicy withUsers(RoutePolicy policy, Set<ObjectRef> read) {
        RoutePolicy.UserAuth auth = policy.userAuth();
        if (auth == null) {
            return policy;
        }
        Secret secret = secret("auth-secret", auth.secret(), read);
        try {
            return policy.withUserAuth(auth.withUsers(auth.digest()
                    ? DigestCredentials.fromSecret(secret, auth.map(), auth.realm())
                    : BasicCredentials.fromSecret(secret, auth.map())));
        } catch (IllegalArgumentException e) {
            throw invalidSecret("auth-secret", auth.secret(), e);
        }
    }

    /** The policy with the certificate authorities of its auth-tls-secret. */
    RoutePolicy withAuthority(RoutePolicy policy, Set<ObjectRef> read) {
        RoutePolicy.ClientCertificates certificates = policy.clientCertificates();
        if (certificates == null || certificates.secret() == null) {
            return policy;
        }
        Secret secret = secret("auth-tls-secret", certificates.secret(), read);
        try {
            return policy.withClientCertificates(certificates.withAuthority(
                    ClientCertificateAuthority.fromSecret(secret)));
        } catch (IllegalArgumentException e) {
            throw invalidSecret("auth-tls-secret", certificates.secret(), e);
        }
    }

    private Secret secret(String annotation, ObjectRef ref, Set<ObjectRef> read) {
        read.add(ref);
        Secret secret = state.get(ResourceKind.SECRET, ref);
        if (secret == null) {
            throw new IllegalArgumentException(AnnotationCatalog.PREFIX + annotation + ": Secret " + ref
                    + " does not exist");
        }
        return secret;
    }

    private static IllegalArgumentException invalidSecret(String annotation, ObjectRef ref,
            IllegalArgumentException why) {
        return new IllegalArgumentException(AnnotationCatalog.PREFIX + annotation + ": Secret " + ref + " "
                + why.getMessage());
    }

    /** The policy with the headers of its custom-headers ConfigMap. */
    RoutePolicy withCustomHeaders(RoutePolicy policy, Set<ObjectRef> read) {
        RoutePolicy.CustomHeaders custom = policy.customHeaders();
        if (custom == null) {
            return policy;
        }
        String what = AnnotationCatalog.PREFIX + "custom-headers: ConfigMap " + custom.configMap();
        Map<String, String> headers = responseHeaders(what, custom.configMap(), read, null);
        List<String> notAllowed = new ArrayList<>();
        for (String name : headers.keySet()) {
            if (!allowedResponseHeaders.contains(name.toLowerCase(Locale.ROOT))) {
                notAllowed.add(name);
            }
        }
        if (!notAllowed.isEmpty()) {
            // every one at once: the operator fixes the list in one go
            throw new IllegalArgumentException(what + " sets " + String.join(", ", notAllowed)
                    + (notAllowed.size() == 1 ? ", which is not" : ", which are not")
                    + " among the headers --global-allowed-response-headers allows");
        }
        return policy.withCustomHeaders(custom.withHeaders(headers));
    }

    /** auth-proxy-set-headers: values of text and the variables a {@link RequestKey} fills in. */
    RoutePolicy withAuthRequestHeaders(RoutePolicy policy, Set<ObjectRef> read) {
        RoutePolicy.ExternalAuth auth = policy.externalAuth();
        if (auth == null || auth.requestHeaders() == null) {
            return policy;
        }
        ObjectRef ref = auth.requestHeaders().configMap();
        String what = AnnotationCatalog.PREFIX + "auth-proxy-set-headers: ConfigMap " + ref;
        return policy.withExternalAuth(auth.withRequestHeaders(auth.requestHeaders().withHeaders(
                requestHeaders(what, ref, read, null))));
    }

    /**
     * A ConfigMap of response headers: each with a value of what ingress-nginx lets one hold.
     *
     * @param skipped where each header that cannot be used is told, and left out; {@code null}: the first one
     *                throws, as for an annotation's ConfigMap, whose Ingress is then invalid
     */
    Map<String, String> responseHeaders(String what, ObjectRef ref, Set<ObjectRef> read, List<String> skipped) {
        Map<String, String> headers = headers(what, ref, read, skipped);
        for (Iterator<Map.Entry<String, String>> entries = headers.entrySet().iterator(); entries.hasNext();) {
            Map.Entry<String, String> header = entries.next();
            String name = header.getKey();
            if (header.getValue().isEmpty()) {
                reject(skipped, what + " has no value for " + name);
                entries.remove();
            } else if (!HEADER_VALUE.matcher(header.getValue()).matches()) {
                reject(skipped, what + " has a value for " + name + " with characters ingress-nginx refuses");
                entries.remove();
            }
        }
        return headers;
    }

    /**
     * A ConfigMap of request headers: values of text and the variables a {@link RequestKey} fills in.
     *
     * @param skipped as {@link #responseHeaders}'s
     */
    Map<String, RequestKey> requestHeaders(String what, ObjectRef ref, Set<ObjectRef> read, List<String> skipped) {
        Map<String, RequestKey> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Map.Entry<String, String> header : headers(what, ref, read, skipped).entrySet()) {
            String name = header.getKey();
            String value = header.getValue();
            if (!value.isEmpty() && !HEADER_VALUE.matcher(value).matches()) {
                reject(skipped, what + " has a value for " + name + " with characters a header cannot carry");
                continue;
            }
            try {
                headers.put(name, RequestKey.parse(value));
            } catch (IllegalArgumentException e) {
                reject(skipped, what + ": " + name + " " + e.getMessage());
            }
        }
        return headers;
    }

    /** Throws {@code problem}, or tells it where skipped headers are told. */
    private static void reject(List<String> skipped, String problem) {
        if (skipped == null) {
            throw new IllegalArgumentException(problem);
        }
        skipped.add(problem);
    }

    /**
     * The data of a ConfigMap an annotation names, as headers: each a name a request or response may carry and no
     * framing one, no name twice in any case, values trimmed (HTTP/2 refuses a value with spaces around it).
     */
    private Map<String, String> headers(String what, ObjectRef ref, Set<ObjectRef> read, List<String> skipped) {
        read.add(ref);
        ConfigMap configMap = state.get(ResourceKind.CONFIG_MAP, ref);
        if (configMap == null) {
            throw new IllegalArgumentException(what + " does not exist");
        }
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Map.Entry<String, String> entry : new TreeMap<>(configMap.getData() == null ? Map.<String, String>of()
                : configMap.getData()).entrySet()) {
            String name = entry.getKey();
            if (!HEADER_NAME.matcher(name).matches() || !SettableHeaders.settable(name)) {
                reject(skipped, what + " has '" + name + "', which is no header it may set");
            } else if (headers.containsKey(name)) {
                // which of the two is meant cannot be told: neither
                reject(skipped, what + " has " + name + " twice, in other cases");
                headers.remove(name);
            } else {
                headers.put(name, entry.getValue() == null ? "" : entry.getValue().trim());
            }
        }
        return headers;
    }
}

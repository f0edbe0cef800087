package dev.caravan.deploy;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One kind of request to the Kubernetes API, in the terms RBAC authorizes it by.
 *
 * @param verb      get, list, watch, create, update, patch, delete
 * @param group     the API group; empty for the core group
 * @param resource  the plural resource name, with its subresource if any ({@code ingresses/status})
 * @param namespace the namespace the request is limited to; {@code null} for every namespace, or a
 *                  cluster-scoped resource
 * @param name      the one object the request names; {@code null} when it names none, or any
 */
record ApiCall(String verb, String group, String resource, String namespace, String name) {

    static ApiCall of(String verb, String group, String resource, String namespace) {
        return new ApiCall(verb, group, resource, namespace, null);
    }

    /**
     * The call an HTTP request to the API server is, as the API server's request-info resolver sees it,
     * or {@code null} for a path that names no resource (such as {@code /version}).
     *
     * @param path the path with its query, e.g. {@code /apis/networking.k8s.io/v1/ingresses?watch=true}
     */
    static ApiCall ofRequest(String method, String path) {
        URI uri = URI.create(path);
        List<String> segments = new ArrayList<>(List.of(uri.getPath().replaceAll("^/+|/+$", "").split("/")));
        String group;
        if (segments.size() >= 3 && segments.get(0).equals("api")) {
            group = "";
            segments = segments.subList(2, segments.size());
        } else if (segments.size() >= 4 && segments.get(0).equals("apis")) {
            group = segments.get(1);
            segments = segments.subList(3, segments.size());
        } else {
            return null;
        }
        String namespace = null;
        if (segments.size() >= 3 && segments.get(0).equals("namespaces")) {
            namespace = segments.get(1);
            segments = segments.subList(2, segments.size());
        }
        String resource = segments.get(0);
        String name = segments.size() > 1 ? segments.get(1) : null;
        if (segments.size() > 2) {
            resource += "/" + String.join("/", segments.subList(2, segments.size()));
        }
        String query = uri.getRawQuery() == null ? "" : "&" + uri.getRawQuery() + "&";
        String verb = switch (method) {
            case "GET" -> name != null ? "get" : query.contains("&watch=true&") || query.contains("&watch=1&")
                    ? "watch" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> name != null ? "delete" : "deletecollection";
            default -> method.toLowerCase(Locale.ROOT);
        };
        return new ApiCall(verb, group, resource, namespace, name);
    }

    /** Whether this call, as listed, covers {@code made}: a {@code null} namespace or name covers any. */
    boolean covers(ApiCall made) {
        return verb.equals(made.verb) && group.equals(made.group) && resource.equals(made.resource)
                && (namespace == null || namespace.equals(made.namespace))
                && (name == null || name.equals(made.name));
    }

    @Override
    public String toString() {
        return verb + " " + (group.isEmpty() ? "" : group + "/") + resource + (name == null ? "" : " " + name)
                + (namespace == null ? " (all namespaces or cluster)" : " in namespace " + namespace);
    }
}

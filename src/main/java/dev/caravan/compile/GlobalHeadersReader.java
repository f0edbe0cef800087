package dev.caravan.compile;

import dev.caravan.routing.GlobalHeaders;
import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.RequestKey;
import dev.caravan.state.ClusterState;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads the operator's ConfigMaps of headers for every response and every request to a pod ({@code --add-headers},
 * {@code --proxy-set-headers}) as Ingresses' ConfigMaps of headers are read; one that cannot be used is a problem of
 * the whole table, its headers not set, and nothing else held back.
 */
final class GlobalHeadersReader {

    private GlobalHeadersReader() {
    }

    static GlobalHeaders read(ClusterState state, ControllerSettings settings) {
        if (settings.addHeaders() == null && settings.proxySetHeaders() == null) {
            return GlobalHeaders.NONE;
        }
        AnnotationObjects objects = new AnnotationObjects(state, Set.of());
        Set<ObjectRef> read = new HashSet<>();
        List<String> problems = new ArrayList<>();
        Map<String, String> response = Map.of();
        Map<String, RequestKey> request = Map.of();
        if (settings.addHeaders() != null) {
            String what = "--add-headers: ConfigMap " + settings.addHeaders();
            try {
                response = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                for (Map.Entry<String, String> header : objects.responseHeaders(what, settings.addHeaders(), read)
                        .entrySet()) {
                    if (header.getValue().contains("$")) {
                        // ingress-nginx fills nginx variables in; sent as written they would mislead
                        problems.add(what + " gives " + header.getKey() + " an nginx variable, which Caravan does not"
                                + " fill in on responses: " + header.getKey() + " is not set");
                    } else {
                        response.put(header.getKey(), header.getValue());
                    }
                }
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage() + ": none of its headers are set");
                response = Map.of();
            }
        }
        if (settings.proxySetHeaders() != null) {
            try {
                request = objects.requestHeaders("--proxy-set-headers: ConfigMap " + settings.proxySetHeaders(),
                        settings.proxySetHeaders(), read);
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage() + ": none of its headers are set");
            }
        }
        return new GlobalHeaders(response, request, problems);
    }
}

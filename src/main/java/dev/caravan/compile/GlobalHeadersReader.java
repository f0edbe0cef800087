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
 * {@code --proxy-set-headers}) as Ingresses' ConfigMaps of headers are read, but header by header: one that cannot be
 * used is told and left out, the others set (security headers are not all lost to one typo); a ConfigMap that does
 * not exist sets none. Nothing else is held back.
 */
public final class GlobalHeadersReader {

    private GlobalHeadersReader() {
    }

    public static GlobalHeaders read(ClusterState state, ControllerSettings settings) {
        if (settings.addHeaders() == null && settings.proxySetHeaders() == null) {
            return GlobalHeaders.NONE;
        }
        AnnotationObjects objects = new AnnotationObjects(state, Set.of());
        Set<ObjectRef> read = new HashSet<>();
        List<String> problems = new ArrayList<>();
        Map<String, RequestKey> response = Map.of();
        Map<String, RequestKey> request = Map.of();
        if (settings.addHeaders() != null) {
            String what = "--add-headers: ConfigMap " + settings.addHeaders();
            List<String> skipped = new ArrayList<>();
            try {
                response = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                for (Map.Entry<String, String> header : objects.responseHeaders(what, settings.addHeaders(), read,
                        skipped).entrySet()) {
                    try {
                        // nginx's more_set_headers fills variables in, from the request the response answers
                        response.put(header.getKey(), RequestKey.parse(header.getValue()));
                    } catch (IllegalArgumentException e) {
                        skipped.add(what + ": " + header.getKey() + " " + e.getMessage());
                    }
                }
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage() + ": none of its headers are set");
                response = Map.of();
            }
            skipped.forEach(problem -> problems.add(problem + ": that header is not set, the others are"));
        }
        if (settings.proxySetHeaders() != null) {
            List<String> skipped = new ArrayList<>();
            try {
                request = objects.requestHeaders("--proxy-set-headers: ConfigMap " + settings.proxySetHeaders(),
                        settings.proxySetHeaders(), read, skipped);
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage() + ": none of its headers are set");
            }
            skipped.forEach(problem -> problems.add(problem + ": that header is not set, the others are"));
        }
        return new GlobalHeaders(response, request, problems);
    }
}

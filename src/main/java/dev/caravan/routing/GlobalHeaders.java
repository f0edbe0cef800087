package dev.caravan.routing;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ingress-nginx's {@code add-headers} and {@code proxy-set-headers}: the operator's ConfigMaps of headers for every
 * response and for every request sent to a pod, whatever the Ingress.
 *
 * @param response set on every response of a request a rule matched or no rule served (a pod's of the same name
 *                 replaced; an Ingress's {@code custom-headers} win over these), each value text and nginx variables of
 *                 the request it answers; a value that comes out empty sets nothing
 * @param request  set on every request to a pod, each value text and nginx variables; a value that comes out empty
 *                 removes the header, as nginx's {@code proxy_set_header}
 * @param problems why a ConfigMap named could not be used, each a sentence; its headers are then not set
 * @param responseReadsRequest whether a response header's value has a variable (else each is its own text)
 */
public record GlobalHeaders(Map<String, RequestKey> response, Map<String, RequestKey> request, List<String> problems,
        boolean responseReadsRequest) {

    public static final GlobalHeaders NONE = new GlobalHeaders(Map.of(), Map.of(), List.of());

    public GlobalHeaders(Map<String, RequestKey> response, Map<String, RequestKey> request, List<String> problems) {
        this(response, request, problems, response.values().stream().anyMatch(value -> value.literal() == null));
    }

    public GlobalHeaders {
        response = Collections.unmodifiableMap(new LinkedHashMap<>(response));
        request = Collections.unmodifiableMap(new LinkedHashMap<>(request));
        problems = List.copyOf(problems);
    }
}

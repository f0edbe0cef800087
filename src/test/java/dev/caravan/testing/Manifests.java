package dev.caravan.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** YAML for test manifests: Services with their EndpointSlices, and simple Ingresses. */
public final class Manifests {

    private Manifests() {
    }

    /**
     * A Service with one named port {@code http} (port 80) and an EndpointSlice per backend, each
     * backend a ready "pod".
     */
    public static String service(String name, TestBackend... backends) {
        List<String> documents = new ArrayList<>();
        documents.add("""
                apiVersion: v1
                kind: Service
                metadata:
                  name: %s
                spec:
                  ports:
                    - name: http
                      port: 80
                """.formatted(name));
        for (int i = 0; i < backends.length; i++) {
            documents.add(slice(name + "-" + i, name, backends[i].ip(), backends[i].port(), true));
        }
        return String.join("---\n", documents);
    }

    /** A ConfigMap in {@code default}: {@code data} its entries as YAML lines (indented by two after the first), or {@code {}}. */
    public static String configMap(String name, String data) {
        return """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: %s
                data:
                  %s
                """.formatted(name, data.startsWith("{") ? "{}" : data).replace("data:\n  {}", "data: {}");
    }

    /** An EndpointSlice of Service {@code service} with one endpoint, its port named {@code http}. */
    public static String slice(String sliceName, String service, String ip, int port, boolean ready) {
        return slice(sliceName, service, "http", ip, port, ready);
    }

    /** An EndpointSlice of Service {@code service} with one endpoint, its port named {@code portName}. */
    public static String slice(String sliceName, String service, String portName, String ip, int port,
            boolean ready) {
        return """
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata:
                  name: %s
                  labels:
                    kubernetes.io/service-name: %s
                addressType: IPv4
                ports:
                  - name: %s
                    port: %d
                endpoints:
                  - addresses: ["%s"]
                    conditions:
                      ready: %s
                """.formatted(sliceName, service, portName, port, ip, ready);
    }

    /** An Ingress of class caravan with one rule: {@code host} (may be empty), Prefix {@code path} → service:http. */
    public static String ingress(String name, String host, String path, String service) {
        return """
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: %s
                spec:
                  ingressClassName: caravan
                  rules:
                    - %shttp:
                        paths:
                          - path: %s
                            pathType: Prefix
                            backend:
                              service:
                                name: %s
                                port:
                                  name: http
                """.formatted(name, host.isEmpty() ? "" : "host: \"" + host + "\"\n      ", path, service);
    }

    /** As {@link #ingress}, with annotations (name → value, values quoted as YAML strings). */
    public static String ingress(String name, String host, String path, String service,
            java.util.Map<String, String> annotations) {
        StringBuilder lines = new StringBuilder("  annotations:\n");
        annotations.forEach((key, value) -> lines.append("    ").append(key).append(": \"")
                .append(value.replace("\\", "\\\\").replace("\"", "\\\"")).append("\"\n"));
        return ingress(name, host, path, service).replaceFirst("(?m)^spec:",
                java.util.regex.Matcher.quoteReplacement(lines + "spec:"));
    }

    /** An Ingress as {@link #ingress}, with {@code spec.tls} for {@code tlsHost} from Secret {@code secret}. */
    public static String tlsIngress(String name, String host, String path, String service, String tlsHost,
            String secret) {
        return withTls(ingress(name, host, path, service), tlsHost, secret);
    }

    /** Adds a {@code spec.tls} entry (no {@code secretName} when {@code secret} is null) to an Ingress manifest. */
    public static String withTls(String ingress, String tlsHost, String secret) {
        String tls = "  tls:\n    - hosts: [\"" + tlsHost + "\"]\n" + (secret == null ? "" : "      secretName: " + secret + "\n");
        return ingress.replaceFirst("(?m)^  ingressClassName: caravan\n",
                java.util.regex.Matcher.quoteReplacement("  ingressClassName: caravan\n" + tls));
    }

    /** Adds a {@code spec.defaultBackend} of Service {@code service} (port {@code http}) to an Ingress manifest with rules. */
    public static String withDefaultBackend(String ingress, String service) {
        return ingress.replaceFirst("(?m)^  rules:\n", java.util.regex.Matcher.quoteReplacement(
                "  defaultBackend:\n    service:\n      name: " + service + "\n      port:\n        name: http\n  rules:\n"));
    }

    /** An Ingress as {@link #ingress} whose backend is the user Camel route {@code route} (a CamelRoute resource). */
    public static String camelRouteIngress(String name, String host, String path, String route) {
        return camelRouteIngress(name, host, path, route, Map.of());
    }

    /** As {@link #camelRouteIngress(String, String, String, String)}, with these annotations. */
    public static String camelRouteIngress(String name, String host, String path, String route,
            Map<String, String> annotations) {
        return ingress(name, host, path, route, annotations).replaceFirst(
                "service:\\n( +)name: " + Pattern.quote(route) + "\\n +port:\\n +name: http",
                "resource:\n$1apiGroup: caravan.dev\n$1kind: CamelRoute\n$1name: "
                        + java.util.regex.Matcher.quoteReplacement(route));
    }

    /** The IngressClass {@code caravan} of Caravan's controller. */
    public static String ingressClass() {
        return """
                apiVersion: networking.k8s.io/v1
                kind: IngressClass
                metadata:
                  name: caravan
                spec:
                  controller: caravan.dev/ingress-controller
                """;
    }
}

package dev.caravan.routing;

import dev.caravan.auth.BasicCredentials;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;
import io.netty.util.NetUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A value made of a request's parts, as an {@code upstream-hash-by}, {@code auth-cache-key},
 * {@code auth-proxy-set-headers} or {@code proxy-set-headers} value: literal text and the nginx variables
 * ingress-nginx users put in them, those of the request line and its headers ({@code $request_uri}, {@code $uri},
 * {@code $args}, {@code $arg_NAME}, {@code $http_NAME}, {@code $cookie_NAME}, {@code $remote_user}, ...), of its
 * connection ({@code $remote_addr}, {@code $scheme}, {@code $server_port}, ...), {@code $request_id},
 * {@code $msec}, and ingress-nginx's {@code $req_id}, {@code $namespace} and {@code $ingress_name}. These are
 * looked up from the request ({@link RequestFacts}); nothing else is evaluated, and any other variable is refused
 * when the Ingress or ConfigMap is read.
 */
public final class RequestKey {

    private static final AsciiString X_REQUEST_ID = AsciiString.cached("X-Request-ID");

    private sealed interface Part permits Literal, Variable {
    }

    private record Literal(String text) implements Part {
    }

    private record Variable(String name) implements Part {
    }

    private final List<Part> parts;
    private final String source;
    private final int subsetSize;

    private RequestKey(List<Part> parts, String source, int subsetSize) {
        this.parts = parts;
        this.source = source;
        this.subsetSize = subsetSize;
    }

    /**
     * This key choosing among subsets of {@code size} endpoints rather than endpoints
     * ({@code upstream-hash-by-subset}).
     */
    public RequestKey withSubsets(int size) {
        return new RequestKey(parts, source, size);
    }

    /** The size of the subsets the key chooses among, or 0 when it chooses an endpoint. */
    public int subsetSize() {
        return subsetSize;
    }

    /** Parses a value; throws {@link IllegalArgumentException} naming a variable that is not supported. */
    public static RequestKey parse(String value) {
        List<Part> parts = new ArrayList<>();
        for (NginxTemplate.Part part : NginxTemplate.parts(value)) {
            if (part.text() != null) {
                parts.add(new Literal(part.text()));
            } else if (supported(part.variable())) {
                parts.add(new Variable(part.variable()));
            } else {
                throw new IllegalArgumentException("has $" + part.variable() + ", which is not a variable Caravan fills in");
            }
        }
        return new RequestKey(List.copyOf(parts), value, 0);
    }

    private static boolean supported(String name) {
        return switch (name) {
            case "request_uri", "uri", "document_uri", "host", "remote_addr", "binary_remote_addr", "remote_port",
                    "remote_user", "args", "query_string", "is_args", "request", "request_method", "server_protocol",
                    "scheme", "https", "server_addr", "server_port", "request_id", "req_id", "msec",
                    "proxy_add_x_forwarded_for", "content_type", "content_length", "namespace", "ingress_name",
                    "service_name", "service_port" -> true;
            default -> name.startsWith("http_") || name.startsWith("cookie_") || name.startsWith("arg_");
        };
    }

    /** The value's text when it has no variable, else {@code null}. */
    public String literal() {
        if (parts.isEmpty()) {
            return "";
        }
        return parts.size() == 1 && parts.get(0) instanceof Literal literal ? literal.text() : null;
    }

    /** The key of one request. */
    public String keyOf(RequestFacts request) {
        return expand(request, UnaryOperator.identity());
    }

    /** The value for one request, each variable's value passed through {@code escape}, the literal text as it is. */
    public String expand(RequestFacts request, UnaryOperator<String> escape) {
        StringBuilder key = new StringBuilder();
        for (Part part : parts) {
            if (part instanceof Literal literal) {
                key.append(literal.text());
            } else if (part instanceof Variable variable) {
                key.append(escape.apply(value(variable.name(), request)));
            }
        }
        return key.toString();
    }

    private static String value(String name, RequestFacts facts) {
        HttpRequest request = facts.request();
        HttpHeaders headers = request.headers();
        String uri = request.uri();
        switch (name) {
            case "request_uri":
                return uri;
            case "uri", "document_uri":
                return facts.path();
            case "host":
                // nginx's: lower case, without a trailing dot
                return facts.host() == null ? "" : RoutingTable.normalizeHost(facts.host());
            case "remote_addr", "binary_remote_addr":
                return NetUtil.toAddressString(facts.client().getAddress());
            case "remote_port":
                return Integer.toString(facts.client().getPort());
            case "remote_user":
                // nginx's: the user a Basic Authorization names, whether or not it is checked
                String[] credentials = BasicCredentials.fromHeader(headers.get(HttpHeaderNames.AUTHORIZATION));
                return credentials == null ? "" : credentials[0];
            case "args", "query_string":
                int query = uri.indexOf('?');
                return query < 0 ? "" : uri.substring(query + 1);
            case "is_args":
                return uri.indexOf('?') < 0 ? "" : "?";
            case "request":
                return request.method().name() + " " + uri + " " + facts.protocol();
            case "request_method":
                return request.method().name();
            case "server_protocol":
                return facts.protocol();
            case "scheme":
                return facts.scheme();
            case "https":
                return facts.scheme().equals("https") ? "on" : "";
            case "server_addr":
                return facts.server() == null ? "" : NetUtil.toAddressString(facts.server().getAddress());
            case "server_port":
                return facts.server() == null ? "" : Integer.toString(facts.server().getPort());
            case "request_id":
                return facts.requestId();
            case "req_id":
                // ingress-nginx's: the client's X-Request-ID when it sent one Caravan passes on, else $request_id
                String sent = headers.get(X_REQUEST_ID);
                return RequestFacts.passedOn(sent) ? sent : facts.requestId();
            case "msec":
                long now = System.currentTimeMillis();
                long millis = now % 1000;
                return now / 1000 + (millis < 10 ? ".00" : millis < 100 ? ".0" : ".") + millis;
            case "proxy_add_x_forwarded_for":
                // nginx's: every X-Forwarded-For line as sent, then the client
                String chain = HeaderVariables.value(headers, "x_forwarded_for");
                String client = NetUtil.toAddressString(facts.client().getAddress());
                return chain.isEmpty() ? client : chain + ", " + client;
            case "content_type", "content_length":
                return HeaderVariables.value(headers, name);
            case "namespace":
                return facts.ingress() == null ? "" : facts.ingress().namespace();
            case "ingress_name":
                return facts.ingress() == null ? "" : facts.ingress().name();
            case "service_name":
                return facts.service() == null ? "" : facts.service().serviceName();
            case "service_port":
                return facts.service() == null || facts.service().servicePort() == null ? ""
                        : facts.service().servicePort();
            default:
                break;
        }
        if (name.startsWith("http_")) {
            return HeaderVariables.value(headers, name.substring(5));
        }
        if (name.startsWith("cookie_")) {
            String cookie = RequestCookies.variable(HeaderVariables.value(headers, "cookie"), name.substring(7));
            return cookie == null ? "" : cookie;
        }
        String argument = argument(uri, name.substring(4));
        return argument == null ? "" : argument;
    }

    /**
     * nginx's {@code $arg_NAME}: the first {@code NAME=} of the query (name in any case), as sent, not decoded, or
     * {@code null} when there is none.
     */
    public static String argument(String uri, String name) {
        int query = uri.indexOf('?');
        if (query < 0) {
            return null;
        }
        int at = query + 1;
        while (at <= uri.length()) {
            int end = uri.indexOf('&', at);
            if (end < 0) {
                end = uri.length();
            }
            int equals = at + name.length();
            if (equals < end && uri.charAt(equals) == '=' && uri.regionMatches(true, at, name, 0, name.length())) {
                return uri.substring(equals + 1, end);
            }
            at = end + 1;
        }
        return null;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RequestKey that && source.equals(that.source) && subsetSize == that.subsetSize;
    }

    @Override
    public int hashCode() {
        return source.hashCode() * 31 + subsetSize;
    }

    @Override
    public String toString() {
        return subsetSize > 0 ? source + " (subsets of " + subsetSize + ")" : source;
    }
}

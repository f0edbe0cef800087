package dev.caravan.routing;

import dev.caravan.auth.BasicCredentials;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A key made of a request's parts, as an {@code upstream-hash-by} or {@code auth-cache-key} value: literal
 * text and the nginx variables ingress-nginx users put in them ({@code $request_uri}, {@code $uri},
 * {@code $host}, {@code $remote_addr}, {@code $binary_remote_addr}, {@code $remote_user}, {@code $args},
 * {@code $http_NAME}, {@code $cookie_NAME}, {@code $arg_NAME}). These are looked up from the request;
 * nothing else is evaluated, and any other variable is refused when the Ingress is compiled.
 */
public final class RequestKey {

    private static final Pattern VARIABLE = Pattern.compile("\\$([A-Za-z_][A-Za-z0-9_]*)|\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

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
        Matcher matcher = VARIABLE.matcher(value);
        int at = 0;
        while (matcher.find()) {
            if (matcher.start() > at) {
                parts.add(new Literal(value.substring(at, matcher.start())));
            }
            // nginx variable names are case-insensitive
            String name = (matcher.group(1) != null ? matcher.group(1) : matcher.group(2)).toLowerCase(Locale.ROOT);
            if (!supported(name)) {
                throw new IllegalArgumentException("$" + name + " is not a variable Caravan fills in");
            }
            parts.add(new Variable(name));
            at = matcher.end();
        }
        if (at < value.length()) {
            if (value.indexOf('$', at) >= 0) {
                throw new IllegalArgumentException("has a '$' that is not a variable");
            }
            parts.add(new Literal(value.substring(at)));
        }
        return new RequestKey(List.copyOf(parts), value, 0);
    }

    private static boolean supported(String name) {
        return switch (name) {
            case "request_uri", "uri", "host", "remote_addr", "binary_remote_addr", "remote_user", "args", "query_string" ->
                    true;
            default -> name.startsWith("http_") || name.startsWith("cookie_") || name.startsWith("arg_");
        };
    }

    /** The key of one request. */
    public String keyOf(String uri, String normalizedPath, String host, InetSocketAddress client, HttpHeaders headers) {
        StringBuilder key = new StringBuilder();
        for (Part part : parts) {
            if (part instanceof Literal literal) {
                key.append(literal.text());
            } else if (part instanceof Variable variable) {
                key.append(value(variable.name(), uri, normalizedPath, host, client, headers));
            }
        }
        return key.toString();
    }

    private static String value(String name, String uri, String path, String host, InetSocketAddress client,
            HttpHeaders headers) {
        switch (name) {
            case "request_uri":
                return uri;
            case "uri":
                return path;
            case "host":
                return host == null ? "" : host.toLowerCase(Locale.ROOT);
            case "remote_addr", "binary_remote_addr":
                return NetUtil.toAddressString(client.getAddress());
            case "remote_user":
                // nginx's: the user a Basic Authorization names, whether or not it is checked
                String[] credentials = BasicCredentials.fromHeader(headers.get(HttpHeaderNames.AUTHORIZATION));
                return credentials == null ? "" : credentials[0];
            case "args", "query_string":
                int query = uri.indexOf('?');
                return query < 0 ? "" : uri.substring(query + 1);
            default:
                break;
        }
        if (name.startsWith("http_")) {
            return header(headers, name.substring(5));
        }
        if (name.startsWith("cookie_")) {
            return RequestCookies.first(headers, name.substring(7));
        }
        return argument(uri, name.substring(4));
    }

    /**
     * nginx's {@code $http_NAME}: every line of the header, joined as nginx (1.23 and later) joins them, with
     * {@code "; "} for Cookie and {@code ", "} otherwise, so that a second line cannot hide behind the first.
     * Names match as nginx matches them: in any case, a {@code -} as a {@code _}.
     */
    private static String header(HttpHeaders headers, String name) {
        StringBuilder joined = null;
        String separator = name.equals("cookie") ? "; " : ", ";
        for (Iterator<Map.Entry<String, String>> entries = headers.iteratorAsString(); entries.hasNext();) {
            Map.Entry<String, String> entry = entries.next();
            if (variableName(entry.getKey()).equals(name)) {
                joined = joined == null ? new StringBuilder(entry.getValue())
                        : joined.append(separator).append(entry.getValue());
            }
        }
        return joined == null ? "" : joined.toString();
    }

    private static String variableName(String header) {
        return header.toLowerCase(Locale.ROOT).replace('-', '_');
    }

    /** nginx's {@code $arg_NAME}: the first {@code NAME=} of the query (name in any case), as sent, not decoded. */
    private static String argument(String uri, String name) {
        int query = uri.indexOf('?');
        if (query < 0) {
            return "";
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
        return "";
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

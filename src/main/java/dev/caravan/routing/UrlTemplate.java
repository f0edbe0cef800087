package dev.caravan.routing;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A URL from an annotation ({@code auth-url}, {@code auth-signin}) with the few nginx variables such URLs
 * carry in ingress-nginx setups: {@code $host}, {@code $scheme}, {@code $request_uri},
 * {@code $escaped_request_uri} and {@code $uri}. They are replaced by the request's values, as text;
 * nothing else is evaluated, and any other variable is refused when the Ingress is compiled.
 */
public final class UrlTemplate {

    private static final Pattern VARIABLE = Pattern.compile("\\$([A-Za-z_][A-Za-z0-9_]*)|\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
    private static final List<String> VARIABLES = List.of("host", "scheme", "request_uri", "escaped_request_uri", "uri");

    /** What the variables stand for in one request; {@code host} must be a validated host name. */
    public record Request(String scheme, String host, String uri, String path) {
    }

    private final List<String> parts;
    private final String source;

    private UrlTemplate(List<String> parts, String source) {
        this.parts = parts;
        this.source = source;
    }

    /**
     * Parses an absolute http(s) URL with variables.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static UrlTemplate parse(String value) {
        List<String> parts = new ArrayList<>();
        Matcher matcher = VARIABLE.matcher(value);
        StringBuilder literal = new StringBuilder();
        int at = 0;
        while (matcher.find()) {
            literal.append(value, at, matcher.start());
            String name = (matcher.group(1) != null ? matcher.group(1) : matcher.group(2)).toLowerCase(Locale.ROOT);
            if (!VARIABLES.contains(name)) {
                throw new IllegalArgumentException("$" + name + " is not one of the variables Caravan fills in ("
                        + String.join(", ", VARIABLES.stream().map(v -> "$" + v).toList()) + ")");
            }
            parts.add(literal.toString());
            parts.add("$" + name);
            literal.setLength(0);
            at = matcher.end();
        }
        literal.append(value.substring(at));
        if (literal.indexOf("$") >= 0) {
            throw new IllegalArgumentException("has a '$' that is not a variable");
        }
        parts.add(literal.toString());
        UrlTemplate template = new UrlTemplate(List.copyOf(parts), value);
        URI sample = template.expand(new Request("https", "example.com", "/a?b=c", "/a"));
        if (sample == null || sample.getHost() == null
                || !("http".equalsIgnoreCase(sample.getScheme()) || "https".equalsIgnoreCase(sample.getScheme()))) {
            throw new IllegalArgumentException("is not an absolute http(s) URL");
        }
        return template;
    }

    /**
     * Whether the URL's scheme, host and port are written out, a request's values only in its path and query: the
     * literal text before the first variable ends its authority, or that variable is a path.
     */
    public boolean fixedAuthority() {
        if (parts.size() == 1) {
            return true;
        }
        String first = parts.get(0);
        int authority = first.indexOf("://") + 3;
        boolean ended = authority >= 3 && (first.indexOf('/', authority) >= 0 || first.indexOf('?', authority) >= 0);
        return authority >= 3 && authority < first.length()
                && (ended || parts.get(1).equals("$request_uri") || parts.get(1).equals("$uri"));
    }

    /** The host the URL names, when {@link #fixedAuthority()}. */
    public String host() {
        return expand(new Request("https", "example.com", "/", "/")).getHost();
    }

    /** Whether the URL takes the request's host ({@code $host}). */
    public boolean usesHost() {
        return parts.contains("$host");
    }

    /** The URL for one request, or {@code null} when what the request puts in makes no URL. */
    public URI expand(Request request) {
        StringBuilder url = new StringBuilder();
        for (String part : parts) {
            url.append(switch (part) {
                // nginx's $host is lower case
                case "$host" -> request.host().toLowerCase(Locale.ROOT);
                case "$scheme" -> request.scheme();
                case "$request_uri" -> PercentEncoding.url(request.uri());
                // the target's chars are its bytes: escaped one by one, as nginx's escape of $request_uri
                case "$escaped_request_uri" -> URLEncoder.encode(request.uri(), StandardCharsets.ISO_8859_1);
                case "$uri" -> PercentEncoding.url(PercentEncoding.path(request.path()));
                default -> part;
            });
        }
        try {
            return URI.create(url.toString());
        } catch (IllegalArgumentException notAUrl) {
            return null;
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof UrlTemplate that && source.equals(that.source);
    }

    @Override
    public int hashCode() {
        return source.hashCode();
    }

    @Override
    public String toString() {
        return source;
    }
}

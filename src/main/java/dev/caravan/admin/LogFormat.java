package dev.caravan.admin;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.caravan.auth.BasicCredentials;
import dev.caravan.gateway.RequestRecord;
import dev.caravan.routing.Backend;
import dev.caravan.routing.PathRule;
import dev.caravan.routing.RequestFacts;
import io.netty.util.NetUtil;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An access-log line as ingress-nginx's {@code log-format-upstream} writes it: text and nginx variables, filled in
 * from a finished request's {@link RequestRecord}, escaped as nginx's {@code log_format} escapes them (by default
 * {@code "}, {@code \} and bytes outside printable ASCII as {@code \xHH}; {@code json}; or {@code none}). A value that
 * is not there is {@code -}, or empty under {@code json}, as nginx writes it. Log pipelines that parse
 * ingress-nginx's lines keep parsing Caravan's.
 */
public final class LogFormat {

    /** nginx's {@code log_format ... escape=}. */
    public enum Escape { DEFAULT, JSON, NONE }

    private static final Pattern VARIABLE = Pattern.compile("\\$([A-Za-z_][A-Za-z0-9_]*)|\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
    private static final DateTimeFormatter TIME_LOCAL = DateTimeFormatter
            .ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter TIME_ISO8601 = DateTimeFormatter
            .ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx", Locale.ROOT).withZone(ZoneOffset.UTC);

    private static final Set<String> VARIABLES = Set.of("remote_addr", "binary_remote_addr", "remote_user",
            "time_local", "time_iso8601", "msec", "request", "request_method", "request_uri", "uri", "document_uri",
            "args", "query_string", "is_args", "server_protocol", "scheme", "https", "host", "status",
            "body_bytes_sent", "bytes_sent", "request_length", "request_time", "proxy_upstream_name",
            "proxy_alternative_upstream_name", "upstream_addr", "upstream_status", "upstream_response_time",
            "upstream_connect_time", "upstream_response_length", "req_id", "request_id", "namespace", "ingress_name",
            "service_name", "service_port", "location_path", "remote_port", "proxy_protocol_addr", "proxy_protocol_port");

    /** A part of a line: text as written, a variable, or a request header ({@code $http_NAME}) the variable reads. */
    private record Part(String text, String variable, String header) {
    }

    private final List<Part> parts;
    private final List<String> headers;
    private final Escape escape;
    private final String source;

    private LogFormat(List<Part> parts, List<String> headers, Escape escape, String source) {
        this.parts = parts;
        this.headers = headers;
        this.escape = escape;
        this.source = source;
    }

    /**
     * Parses a template; throws {@link IllegalArgumentException} naming a variable Caravan does not fill in.
     */
    public static LogFormat parse(String template, Escape escape) {
        List<Part> parts = new ArrayList<>();
        List<String> headers = new ArrayList<>();
        Matcher matcher = VARIABLE.matcher(template);
        int at = 0;
        while (matcher.find()) {
            if (matcher.start() > at) {
                parts.add(new Part(template.substring(at, matcher.start()), null, null));
            }
            String name = (matcher.group(1) != null ? matcher.group(1) : matcher.group(2)).toLowerCase(Locale.ROOT);
            if (name.startsWith("http_") && name.length() > 5) {
                parts.add(new Part(null, null, header(headers, name.substring(5))));
            } else if (name.equals("remote_user")) {
                // the user a Basic Authorization names, read from the header when the line is made
                parts.add(new Part(null, name, header(headers, "authorization")));
            } else if (VARIABLES.contains(name)) {
                parts.add(new Part(null, name, null));
            } else {
                throw new IllegalArgumentException("$" + name + " is not a variable Caravan's access log fills in");
            }
            at = matcher.end();
        }
        if (at < template.length()) {
            parts.add(new Part(template.substring(at), null, null));
        }
        return new LogFormat(List.copyOf(parts), List.copyOf(headers), escape, template);
    }

    private static String header(List<String> headers, String name) {
        if (!headers.contains(name)) {
            headers.add(name);
        }
        return name;
    }

    /**
     * The request headers the lines read, as nginx names them in variables (lower case, {@code _} for {@code -}): the
     * recorder keeps their values as the client sent them.
     */
    public List<String> headers() {
        return headers;
    }

    /** Appends the request's line to {@code out}. */
    public void append(RequestRecord record, StringBuilder out) {
        for (Part part : parts) {
            if (part.text() != null) {
                out.append(part.text());
                continue;
            }
            String value;
            if (part.variable() == null) {
                value = record.header(part.header());
            } else if (part.header() != null) {
                // $remote_user
                String[] credentials = BasicCredentials.fromHeader(record.header(part.header()));
                value = credentials == null ? null : credentials[0];
            } else {
                value = value(part.variable(), record);
            }
            if (value == null) {
                // a variable that is not found is "-", as nginx writes it; one that is there but empty, nothing
                if (escape != Escape.JSON) {
                    out.append('-');
                }
            } else {
                escaped(value, out);
            }
        }
    }

    private void escaped(String value, StringBuilder out) {
        switch (escape) {
            case JSON -> JsonStringEncoder.getInstance().quoteAsString(value, out);
            case NONE -> {
                // as written, but for the control bytes: a client's CR or LF must not start a line of its own
                for (int i = 0; i < value.length(); i++) {
                    char c = value.charAt(i);
                    if (c < 0x20 || c == 0x7f) {
                        hex(c, out);
                    } else {
                        out.append(c);
                    }
                }
            }
            default -> {
                for (int i = 0; i < value.length(); i++) {
                    char c = value.charAt(i);
                    if (c > 0xff) {
                        // not a byte as received: its UTF-8 bytes, as nginx would see them
                        for (byte b : String.valueOf(c).getBytes(StandardCharsets.UTF_8)) {
                            hex(b & 0xff, out);
                        }
                    } else if (c == '"' || c == '\\' || c < 0x20 || c > 0x7e) {
                        hex(c, out);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
    }

    private static void hex(int b, StringBuilder out) {
        out.append("\\x").append(HEX[b >> 4]).append(HEX[b & 0xf]);
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private static String value(String name, RequestRecord record) {
        String uri = record.uri();
        PathRule rule = record.rule();
        Backend backend = rule == null ? null : record.canary() ? rule.canary().backend() : rule.backend();
        boolean upstream = record.upstream() != null;
        switch (name) {
            case "remote_addr", "binary_remote_addr":
                return record.clientIp();
            case "proxy_protocol_addr":
                return record.proxyProtocolClient() == null ? null
                        : NetUtil.toAddressString(record.proxyProtocolClient().getAddress());
            case "proxy_protocol_port":
                return record.proxyProtocolClient() == null ? null
                        : Integer.toString(record.proxyProtocolClient().getPort());
            case "remote_port":
                return record.client() == null ? null : Integer.toString(record.client().getPort());
            case "time_local":
                return TIME_LOCAL.format(Instant.ofEpochMilli(record.startMillis()));
            case "time_iso8601":
                return TIME_ISO8601.format(Instant.ofEpochMilli(record.startMillis()));
            case "msec":
                return seconds(record.startMillis());
            case "request":
                return record.method() == null ? null : record.method() + " " + uri + " " + record.protocol();
            case "request_method":
                return record.method();
            case "request_uri":
                return uri;
            case "uri", "document_uri":
                // as rules match it; a request refused before its path was read, as sent
                return record.path() != null ? record.path() : uri == null ? null
                        : uri.indexOf('?') < 0 ? uri : uri.substring(0, uri.indexOf('?'));
            case "args", "query_string":
                return uri == null || uri.indexOf('?') < 0 ? null : uri.substring(uri.indexOf('?') + 1);
            case "is_args":
                return uri == null || uri.indexOf('?') < 0 ? "" : "?";
            case "server_protocol":
                return record.protocol();
            case "scheme":
                return record.scheme();
            case "https":
                return "https".equals(record.scheme()) ? "on" : "";
            case "host":
                return record.host();
            case "status":
                return Integer.toString(record.status());
            case "body_bytes_sent":
                return Long.toString(record.responseBodyBytes());
            case "bytes_sent":
                return Long.toString(record.responseBytes());
            case "request_length":
                return Long.toString(record.requestBytes());
            case "request_time":
                return seconds(Math.max(0, record.durationNanos()) / 1_000_000);
            case "proxy_upstream_name":
                // ingress-nginx's: the rule's own upstream, whether or not its canary served the request
                return rule == null ? "upstream-default-backend" : upstreamName(rule.backend());
            case "proxy_alternative_upstream_name":
                // the canary's, when it served the request; set empty otherwise
                return record.canary() ? upstreamName(backend) : "";
            case "upstream_addr":
                return upstream ? NetUtil.toSocketAddressString(record.upstream()) : null;
            case "upstream_status":
                return upstream ? Integer.toString(record.upstreamStatus()) : null;
            case "upstream_response_time":
                return upstream ? seconds(record.upstreamNanos() / 1_000_000) : null;
            case "upstream_connect_time":
                return upstream && record.upstreamConnectNanos() >= 0 ? seconds(record.upstreamConnectNanos() / 1_000_000)
                        : null;
            case "upstream_response_length":
                // Caravan sends the pod's body as it came
                return upstream ? Long.toString(record.responseBodyBytes()) : null;
            case "req_id":
                // ingress-nginx's: the client's X-Request-ID, else the one made for the request
                return record.requestId() != null ? record.requestId() : RequestFacts.newRequestId();
            case "request_id":
                return record.madeRequestId() != null ? record.madeRequestId() : RequestFacts.newRequestId();
            // ingress-nginx sets these on every location, empty where no rule serves
            case "namespace":
                return rule == null ? "" : rule.ingress().namespace();
            case "ingress_name":
                return rule == null ? "" : rule.ingress().name();
            case "service_name":
                return backend == null ? "" : backend.serviceName();
            case "service_port":
                return backend == null || backend.servicePort() == null ? "" : backend.servicePort();
            default:
                // location_path
                return rule == null ? "" : rule.path();
        }
    }

    /** ingress-nginx's upstream names: {@code NAMESPACE-SERVICE-PORT}. */
    private static String upstreamName(Backend backend) {
        String name = backend.name();
        int slash = name.indexOf('/');
        String port = backend.servicePort();
        return slash < 0 || port == null ? name : name.substring(0, slash) + "-" + backend.serviceName() + "-" + port;
    }

    /** Milliseconds as nginx's seconds with three decimals. */
    private static String seconds(long millis) {
        long part = millis % 1000;
        return millis / 1000 + (part < 10 ? ".00" : part < 100 ? ".0" : ".") + part;
    }

    @Override
    public String toString() {
        return source;
    }
}

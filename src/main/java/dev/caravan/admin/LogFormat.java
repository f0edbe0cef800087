package dev.caravan.admin;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.caravan.auth.BasicCredentials;
import dev.caravan.gateway.RequestRecord;
import dev.caravan.routing.Backend;
import dev.caravan.routing.NginxTemplate;
import dev.caravan.routing.PathRule;
import dev.caravan.routing.RequestCookies;
import dev.caravan.routing.RequestFacts;
import dev.caravan.routing.RequestKey;
import io.netty.util.NetUtil;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

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

    private static final DateTimeFormatter TIME_LOCAL = DateTimeFormatter
            .ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter TIME_ISO8601 = DateTimeFormatter
            .ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx", Locale.ROOT).withZone(ZoneOffset.UTC);

    private static final Set<String> VARIABLES = Set.of("remote_addr", "binary_remote_addr", "the_real_ip",
            "remote_port", "time_local", "time_iso8601", "msec", "request", "request_method", "request_uri", "uri",
            "document_uri", "args", "query_string", "is_args", "server_protocol", "scheme", "https", "host",
            "server_name", "server_addr", "server_port", "hostname", "status", "body_bytes_sent", "bytes_sent",
            "request_length", "request_time", "proxy_upstream_name", "proxy_alternative_upstream_name",
            "upstream_addr", "upstream_status", "upstream_response_time", "upstream_connect_time",
            "upstream_response_length", "req_id", "request_id", "namespace", "ingress_name", "service_name",
            "service_port", "location_path", "proxy_protocol_addr", "proxy_protocol_port", "ssl_protocol", "ssl_cipher");
    /** nginx's {@code $hostname}: the pod's name, as Kubernetes gives it. */
    private static final String HOSTNAME = System.getenv().getOrDefault("HOSTNAME", "localhost");

    /**
     * A part of a line: text as written, or a variable, with the request header it reads ({@code $http_NAME},
     * {@code $cookie_NAME}, {@code $remote_user}, {@code $proxy_add_x_forwarded_for}) or the response header
     * ({@code $sent_http_NAME}), named as variables name them.
     */
    private record Part(String text, String variable, String header, String sentHeader) {
    }

    private final List<Part> parts;
    private final List<String> headers;
    private final List<String> sentHeaders;
    private final Escape escape;
    private final String source;

    private LogFormat(List<Part> parts, List<String> headers, List<String> sentHeaders, Escape escape, String source) {
        this.parts = parts;
        this.headers = headers;
        this.sentHeaders = sentHeaders;
        this.escape = escape;
        this.source = source;
    }

    /**
     * Parses a template; throws {@link IllegalArgumentException} naming a variable Caravan does not fill in.
     */
    public static LogFormat parse(String template, Escape escape) {
        if (template.isBlank()) {
            throw new IllegalArgumentException("is empty: it would write empty lines");
        }
        List<Part> parts = new ArrayList<>();
        List<String> headers = new ArrayList<>();
        List<String> sentHeaders = new ArrayList<>();
        for (NginxTemplate.Part part : NginxTemplate.parts(template)) {
            String name = part.variable();
            if (name == null) {
                parts.add(new Part(part.text(), null, null, null));
            } else if (name.startsWith("http_") && name.length() > 5) {
                parts.add(new Part(null, name, named(headers, name.substring(5)), null));
            } else if (name.startsWith("sent_http_") && name.length() > 10) {
                parts.add(new Part(null, name, null, named(sentHeaders, name.substring(10))));
            } else if (name.startsWith("cookie_") && name.length() > 7) {
                parts.add(new Part(null, name, named(headers, "cookie"), null));
            } else if (name.startsWith("arg_") && name.length() > 4) {
                parts.add(new Part(null, name, null, null));
            } else if (name.equals("remote_user")) {
                // the user a Basic Authorization names, read from the header when the line is made
                parts.add(new Part(null, name, named(headers, "authorization"), null));
            } else if (name.equals("proxy_add_x_forwarded_for") || name.equals("content_type")
                    || name.equals("content_length")) {
                parts.add(new Part(null, name, named(headers, name.startsWith("content_") ? name : "x_forwarded_for"),
                        null));
            } else if (VARIABLES.contains(name)) {
                parts.add(new Part(null, name, null, null));
            } else {
                throw new IllegalArgumentException("has $" + name + ", which is not a variable Caravan's access log fills in");
            }
        }
        return new LogFormat(List.copyOf(parts), List.copyOf(headers), List.copyOf(sentHeaders), escape, template);
    }

    private static String named(List<String> names, String name) {
        if (!names.contains(name)) {
            names.add(name);
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

    /** The response headers the lines read ({@code $sent_http_NAME}), named as {@link #headers()}. */
    public List<String> sentHeaders() {
        return sentHeaders;
    }

    /** Appends the request's line to {@code out}. */
    public void append(RequestRecord record, StringBuilder out) {
        for (Part part : parts) {
            if (part.text() != null) {
                out.append(part.text());
                continue;
            }
            String value = part.sentHeader() != null ? record.sentHeader(part.sentHeader())
                    : part.header() != null ? headerValue(part, record) : value(part.variable(), record);
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
            case JSON -> JsonStringEncoder.getInstance().quoteAsString(asSent(value), out);
            case NONE -> {
                // as written, but for the control bytes: a client's CR or LF must not start a line of its own
                String sent = asSent(value);
                for (int i = 0; i < sent.length(); i++) {
                    char c = sent.charAt(i);
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

    /**
     * A client's bytes as the text they are: Netty reads each byte of a request line or header as one char, and the log
     * writes UTF-8, which would turn a client's UTF-8 "\u00fc" (two bytes) into four. Bytes that are no UTF-8 become
     * U+FFFD (nginx would write them raw, and a JSON reader refuse the line).
     */
    static String asSent(String value) {
        boolean high = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c > 0xff) {
                return value;
            }
            high |= c >= 0x80;
        }
        return high ? new String(value.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8) : value;
    }

    /** A variable read from a request header kept as sent. */
    private static String headerValue(Part part, RequestRecord record) {
        String header = record.header(part.header());
        String name = part.variable();
        if (name.equals("remote_user")) {
            String[] credentials = BasicCredentials.fromHeader(header);
            return credentials == null ? null : credentials[0];
        }
        if (name.startsWith("cookie_")) {
            return RequestCookies.first(header, name.substring(7));
        }
        if (name.equals("proxy_add_x_forwarded_for")) {
            // nginx's: every X-Forwarded-For line as sent, then the client
            return header == null ? record.clientIp() : header + ", " + record.clientIp();
        }
        return header;
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
            case "remote_addr", "binary_remote_addr", "the_real_ip":
                return record.clientIp();
            case "server_addr":
                return record.server() == null ? null : NetUtil.toAddressString(record.server().getAddress());
            case "server_port":
                return record.server() == null ? null : Integer.toString(record.server().getPort());
            case "server_name":
                // the host of the rule's server, "_" for nginx's default server
                return rule == null || record.host() == null ? "_" : record.host();
            case "hostname":
                return HOSTNAME;
            case "ssl_protocol":
                return record.tlsProtocol();
            case "ssl_cipher":
                return record.tlsCipher();
            case "proxy_protocol_addr":
                return record.proxyProtocolClient() == null ? null
                        : NetUtil.toAddressString(record.proxyProtocolClient().getAddress());
            case "proxy_protocol_port":
                return record.proxyProtocolClient() == null ? null
                        : Integer.toString(record.proxyProtocolClient().getPort());
            case "remote_port":
                return record.client() == null ? null : Integer.toString(record.client().getPort());
            // nginx's: the time the line is written, as the request ends
            case "time_local":
                return TIME_LOCAL.format(Instant.ofEpochMilli(endMillis(record)));
            case "time_iso8601":
                return TIME_ISO8601.format(Instant.ofEpochMilli(endMillis(record)));
            case "msec":
                return seconds(endMillis(record));
            case "request":
                return record.method() == null ? null : record.method() + " " + uri + " " + record.protocol();
            case "request_method":
                return record.method();
            case "request_uri":
                return uri;
            case "uri", "document_uri":
                // as rules match it (decoded, as its UTF-8 bytes, as the rest); one refused before that, as sent
                return record.path() != null
                        ? new String(record.path().getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1)
                        : uri == null ? null : uri.indexOf('?') < 0 ? uri : uri.substring(0, uri.indexOf('?'));
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
            case "location_path":
                return rule == null ? "" : rule.path();
            default:
                // $arg_NAME: as sent, not decoded
                if (uri == null) {
                    return null;
                }
                String argument = RequestKey.argument(uri, name.substring(4));
                return argument.isEmpty() ? null : argument;
        }
    }

    private static long endMillis(RequestRecord record) {
        return record.startMillis() + Math.max(0, record.durationNanos()) / 1_000_000;
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

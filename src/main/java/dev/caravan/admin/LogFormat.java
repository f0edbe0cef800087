package dev.caravan.admin;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.caravan.auth.BasicCredentials;
import dev.caravan.gateway.RequestRecord;
import dev.caravan.routing.NginxTemplate;
import dev.caravan.routing.RequestCookies;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

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

    /** Where a variable's header is read: the client's request, the response sent, or the pod's response. */
    private enum Headers { REQUEST, SENT, UPSTREAM }

    /**
     * A part of a line: text as written, or a variable, with the header it reads and where ({@code $http_NAME},
     * {@code $cookie_NAME}, {@code $remote_user}, {@code $proxy_add_x_forwarded_for} the request's,
     * {@code $sent_http_NAME} the response's, {@code $upstream_http_NAME} the pod's), named as variables name them.
     */
    private record Part(String text, String variable, String header, Headers from) {
    }

    private final List<Part> parts;
    private final List<String> headers;
    private final List<String> sentHeaders;
    private final List<String> upstreamHeaders;
    private final Escape escape;
    private final String source;

    private LogFormat(List<Part> parts, List<String> headers, List<String> sentHeaders, List<String> upstreamHeaders,
            Escape escape, String source) {
        this.parts = parts;
        this.headers = headers;
        this.sentHeaders = sentHeaders;
        this.upstreamHeaders = upstreamHeaders;
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
        List<String> upstreamHeaders = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (NginxTemplate.Part part : NginxTemplate.parts(template)) {
            String name = part.variable();
            if (name == null) {
                parts.add(new Part(part.text(), null, null, null));
            } else if (name.startsWith("http_") && name.length() > 5) {
                parts.add(new Part(null, name, named(headers, name.substring(5)), Headers.REQUEST));
            } else if (name.startsWith("sent_http_") && name.length() > 10) {
                parts.add(new Part(null, name, named(sentHeaders, name.substring(10)), Headers.SENT));
            } else if (name.startsWith("upstream_http_") && name.length() > 14) {
                parts.add(new Part(null, name, named(upstreamHeaders, name.substring(14)), Headers.UPSTREAM));
            } else if (name.startsWith("cookie_") && name.length() > 7) {
                parts.add(new Part(null, name, named(headers, "cookie"), Headers.REQUEST));
            } else if (name.startsWith("arg_") && name.length() > 4) {
                parts.add(new Part(null, name, null, null));
            } else if (name.equals("remote_user")) {
                // the user a Basic Authorization names, read from the header when the line is made
                parts.add(new Part(null, name, named(headers, "authorization"), Headers.REQUEST));
            } else if (name.equals("proxy_add_x_forwarded_for") || name.equals("content_type")
                    || name.equals("content_length")) {
                parts.add(new Part(null, name, named(headers, name.startsWith("content_") ? name : "x_forwarded_for"),
                        Headers.REQUEST));
            } else if (LogVariables.known(name)) {
                parts.add(new Part(null, name, null, null));
            } else {
                unknown.add("$" + name);
            }
        }
        if (!unknown.isEmpty()) {
            // every one at once: the operator fixes the template in one go
            throw new IllegalArgumentException("has " + String.join(", ", unknown) + (unknown.size() == 1
                    ? ", which is not a variable" : ", which are not variables") + " Caravan's access log fills in");
        }
        return new LogFormat(List.copyOf(parts), List.copyOf(headers), List.copyOf(sentHeaders),
                List.copyOf(upstreamHeaders), escape, template);
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

    /** Whether the lines read the connection's address, TLS, serial number or request count. */
    public boolean readsConnection() {
        return parts.stream().anyMatch(part -> part.variable() != null && List.of("server_addr", "server_port",
                "ssl_protocol", "ssl_cipher", "connection", "connection_requests").contains(part.variable()));
    }

    /** The response headers the lines read ({@code $sent_http_NAME}), named as {@link #headers()}. */
    public List<String> sentHeaders() {
        return sentHeaders;
    }

    /** The pod response headers the lines read ({@code $upstream_http_NAME}), named as {@link #headers()}. */
    public List<String> upstreamHeaders() {
        return upstreamHeaders;
    }

    /** Appends the request's line to {@code out}. */
    public void append(RequestRecord record, StringBuilder out) {
        for (Part part : parts) {
            if (part.text() != null) {
                out.append(part.text());
                continue;
            }
            String value = part.from() == null ? LogVariables.value(part.variable(), record) : switch (part.from()) {
                case REQUEST -> headerValue(part, record);
                case SENT -> record.sentHeader(part.header());
                case UPSTREAM -> record.upstreamHeader(part.header());
            };
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
            case JSON -> JsonStringEncoder.getInstance().quoteAsString(LogVariables.asSent(value), out);
            case NONE -> {
                // as written, but for the control bytes: a client's CR or LF must not start a line of its own
                String sent = LogVariables.asSent(value);
                for (int i = 0; i < sent.length(); i++) {
                    char c = sent.charAt(i);
                    if (c < 0x20 || c >= 0x7f && c < 0xa0) {
                        hex(c, out);
                    } else if (c == '\u2028' || c == '\u2029') {
                        // line breaks to some log readers
                        out.append(c == '\u2028' ? "\\u2028" : "\\u2029");
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

    /** A variable read from a request header kept as sent. */
    private static String headerValue(Part part, RequestRecord record) {
        String header = record.header(part.header());
        String name = part.variable();
        if (name.equals("remote_user")) {
            String[] credentials = BasicCredentials.fromHeader(header);
            // an empty user is none, as nginx's $remote_user
            return credentials == null || credentials[0].isEmpty() ? null : LogVariables.bytesOf(credentials[0]);
        }
        if (name.startsWith("cookie_")) {
            return RequestCookies.variable(header, name.substring(7));
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

    @Override
    public String toString() {
        return source;
    }
}

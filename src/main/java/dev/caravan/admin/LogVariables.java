package dev.caravan.admin;

import dev.caravan.gateway.RequestRecord;
import dev.caravan.routing.Backend;
import dev.caravan.routing.PathRule;
import dev.caravan.routing.RequestFacts;
import dev.caravan.routing.RequestKey;
import io.netty.util.NetUtil;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Set;

/**
 * nginx's and ingress-nginx's variables of a finished request, as {@link LogFormat} writes them: each as nginx has it,
 * {@code null} where nginx finds none (written {@code -}) and empty where ingress-nginx sets it empty. Text a client
 * sent is one char per byte, as Netty read it.
 */
final class LogVariables {

    /** nginx's {@code $time_local}, also the combined log's: local time, as the JVM's zone ({@code TZ}) has it. */
    static final DateTimeFormatter TIME_LOCAL = DateTimeFormatter
            .ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT).withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter TIME_ISO8601 = DateTimeFormatter
            .ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx", Locale.ROOT).withZone(ZoneId.systemDefault());

    private static final Set<String> KNOWN = Set.of("remote_addr", "binary_remote_addr", "the_real_ip",
            "remote_port", "time_local", "time_iso8601", "msec", "request", "request_method", "request_uri", "uri",
            "document_uri", "args", "query_string", "is_args", "server_protocol", "scheme", "https", "host",
            "server_name", "server_addr", "server_port", "hostname", "status", "body_bytes_sent", "bytes_sent",
            "request_length", "request_time", "proxy_upstream_name", "proxy_alternative_upstream_name",
            "upstream_addr", "upstream_status", "upstream_response_time", "upstream_connect_time",
            "upstream_response_length", "upstream_header_time", "upstream_cache_status", "connection", "connection_requests", "pid", "req_id", "request_id", "namespace", "ingress_name", "service_name",
            "service_port", "location_path", "proxy_protocol_addr", "proxy_protocol_port", "ssl_protocol", "ssl_cipher");
    /** nginx's {@code $hostname}: the pod's name, as Kubernetes gives it. */
    private static final String HOSTNAME = System.getenv().getOrDefault("HOSTNAME", "localhost");
    private static final String PID = Long.toString(ProcessHandle.current().pid());

    private LogVariables() {
    }

    /** Whether {@code name} is a variable of a request's own (not one read from a header). */
    static boolean known(String name) {
        return KNOWN.contains(name);
    }

    /** The value of a variable of {@link #known} for a finished request; {@code null} when nginx finds none. */
    static String value(String name, RequestRecord record) {
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
                return record.serverName();
            case "hostname":
                return HOSTNAME;
            case "pid":
                return PID;
            // numbered from 1 in the order connections were first read by a log that asks for these
            case "connection":
                return record.connection() == 0 ? null : Long.toString(record.connection());
            case "connection_requests":
                return record.connection() == 0 ? null : Long.toString(record.connectionRequests());
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
                // as rules match it (decoded, as its UTF-8 bytes, as the rest), or as rewrite-target made it, as
                // nginx's after its rewrite; one refused before that, as sent
                if (record.rewrittenPath() != null) {
                    return bytesOf(record.rewrittenPath());
                }
                return record.path() != null ? bytesOf(record.path()) : uri == null ? null : uri.indexOf('?') < 0 ? uri : uri.substring(0, uri.indexOf('?'));
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
            // nginx's lists: each pod tried, comma-separated, the last one's after
            case "upstream_addr":
                return upstream ? tries(record, attempt -> NetUtil.toSocketAddressString(attempt.pod()),
                        NetUtil.toSocketAddressString(record.upstream())) : null;
            case "upstream_status":
                return upstream ? tries(record, attempt -> Integer.toString(attempt.status()),
                        record.loggedUpstreamStatus() == 0 ? "-" : Integer.toString(record.loggedUpstreamStatus()))
                        : null;
            case "upstream_response_time":
                return upstream ? tries(record, attempt -> seconds(attempt.nanos() / 1_000_000),
                        seconds(record.lastAttemptNanos() / 1_000_000)) : null;
            case "upstream_connect_time":
                return upstream && record.upstreamConnectNanos() >= 0 ? tries(record, attempt -> "-",
                        seconds(record.upstreamConnectNanos() / 1_000_000)) : null;
            case "upstream_header_time":
                return upstream ? tries(record, attempt -> attempt.headerNanos() < 0 ? "-"
                        : seconds(attempt.headerNanos() / 1_000_000), record.upstreamHeaderNanos() < 0 ? "-"
                        : seconds(record.upstreamHeaderNanos() / 1_000_000)) : null;
            case "upstream_cache_status":
                // nothing is cached, as under ingress-nginx without a cache of its own: nginx writes "-"
                return null;
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
                // none for a host's default location, as ingress-nginx's
                return backend == null || backend == Backend.TABLE_DEFAULT ? "" : backend.serviceName();
            case "service_port":
                return backend == null || backend.servicePort() == null ? "" : backend.servicePort();
            case "location_path":
                return rule == null ? "" : bytesOf(rule.path());
            default:
                // $arg_NAME: as sent, not decoded
                if (uri == null) {
                    return null;
                }
                return RequestKey.argument(uri, name.substring(4));
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

    /**
     * Text (decoded, not as a client sent it) as its UTF-8 bytes, a char each, as the values read from requests are:
     * the escaping then treats every value alike.
     */
    static String bytesOf(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 0x80) {
                return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
            }
        }
        return text;
    }

    private static String tries(RequestRecord record, java.util.function.Function<RequestRecord.Attempt, String> each,
            String last) {
        if (record.earlierAttempts().isEmpty()) {
            return last;
        }
        StringBuilder list = new StringBuilder();
        for (RequestRecord.Attempt attempt : record.earlierAttempts()) {
            list.append(each.apply(attempt)).append(", ");
        }
        return list.append(last).toString();
    }

    private static long endMillis(RequestRecord record) {
        return record.startMillis() + Math.max(0, record.durationNanos()) / 1_000_000;
    }

    /** ingress-nginx's upstream name of a backend: {@code NAMESPACE-SERVICE-PORT}. */
    static String upstreamName(Backend backend) {
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
}

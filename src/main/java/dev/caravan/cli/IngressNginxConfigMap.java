package dev.caravan.cli;

import dev.caravan.routing.NginxTime;
import dev.caravan.tls.TlsSettings;
import io.netty.handler.ssl.CipherSuiteConverter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * What ingress-nginx's controller ConfigMap ({@code --configmap} of its controller) becomes in Caravan: per key, the
 * flag that does the same with the value in Caravan's form, or why there is none. Pure: the check command prints it.
 * The catalogue is ingress-nginx's own list of keys; a key it does not list is one ingress-nginx ignores too.
 */
final class IngressNginxConfigMap {

    /** What a key comes to. */
    enum Verdict {
        /** a flag of Caravan's, with a value other than its default */
        FLAG("flag", true),
        /** what Caravan does without a flag (its default, or how it works) */
        SAME("as Caravan", true),
        /** an nginx internal (a table or buffer size, a log path) with nothing to carry over */
        NOT_NEEDED("not needed", true),
        /** a setting Caravan does not have: served without it */
        NOT_SUPPORTED("not supported", false),
        /** a configuration snippet: never */
        REFUSED("refused", false),
        /** a value neither ingress-nginx nor Caravan could use as written */
        INVALID("invalid", false),
        /** no key of ingress-nginx's: it is ignored */
        UNKNOWN("unknown", true);

        private final String label;
        private final boolean asWritten;

        Verdict(String label, boolean asWritten) {
            this.label = label;
            this.asWritten = asWritten;
        }

        String label() {
            return label;
        }

        /** Whether Caravan with the flags printed does what ingress-nginx did with this key. */
        boolean asWritten() {
            return asWritten;
        }
    }

    /** One key's verdict; {@code option} and {@code flagValue} are set for {@link Verdict#FLAG}. */
    record Setting(String key, String value, Verdict verdict, Option option, String flagValue, String why) {
    }

    private enum Kind { FLAG, NOT_SUPPORTED, NOT_NEEDED, SNIPPET }

    /**
     * @param caravanValues for a key without a flag, the values that ask for what Caravan does anyway
     */
    private record Rule(Kind kind, Option option, UnaryOperator<String> convert, Set<String> caravanValues, String why) {
    }

    private static final Map<String, Rule> RULES = new HashMap<>();
    /** What Caravan's annotations are when neither an Ingress nor a flag sets them: such a key needs no flag. */
    private static final Map<String, String> ANNOTATION_DEFAULTS = Map.ofEntries(Map.entry("ssl-redirect", "true"),
            Map.entry("force-ssl-redirect", "false"),
            Map.entry("whitelist-source-range", ""),
            Map.entry("denylist-source-range", ""),
            Map.entry("load-balance", "round_robin"),
            Map.entry("proxy-send-timeout", "60"),
            Map.entry("proxy-next-upstream", "error timeout"),
            Map.entry("proxy-next-upstream-timeout", "0"),
            Map.entry("proxy-next-upstream-tries", "3"),
            Map.entry("limit-rate", "0"),
            Map.entry("preserve-trailing-slash", "false"),
            Map.entry("proxy-redirect-from", "off"),
            Map.entry("proxy-redirect-to", "off"));

    private static void flag(String key, Option option, UnaryOperator<String> convert) {
        RULES.put(key, new Rule(Kind.FLAG, option, convert, Set.of(), null));
    }

    private static void flag(String key, Option option) {
        flag(key, option, option.type() == Option.Type.FLAG ? IngressNginxConfigMap::bool
                : option.type() == Option.Type.SECONDS ? IngressNginxConfigMap::seconds : String::trim);
    }

    private static void unsupported(String why, String caravanValue, String... keys) {
        for (String key : keys) {
            RULES.put(key, new Rule(Kind.NOT_SUPPORTED, null, null, caravanValue == null ? Set.of() : Set.of(caravanValue),
                    why));
        }
    }

    /** A key whose setting Caravan takes from each Ingress's annotation of that name alone. */
    private static void annotationOnly(String key, String caravanValue) {
        unsupported("no global setting: set the " + key + " annotation on the Ingresses", caravanValue, key);
    }

    private static void notNeeded(String why, String... keys) {
        for (String key : keys) {
            RULES.put(key, new Rule(Kind.NOT_NEEDED, null, null, Set.of(), why));
        }
    }

    static {
        for (Option option : new Option[] {Option.USE_PROXY_PROTOCOL, Option.PROXY_PROTOCOL_HEADER_TIMEOUT,
            Option.PROXY_REAL_IP_CIDR, Option.USE_FORWARDED_HEADERS, Option.ENABLE_REAL_IP, Option.FORWARDED_FOR_HEADER,
            Option.COMPUTE_FULL_FORWARDED_FOR, Option.ADD_HEADERS, Option.PROXY_SET_HEADERS, Option.BLOCK_CIDRS,
            Option.BLOCK_USER_AGENTS, Option.BLOCK_REFERERS, Option.LIMIT_REQ_STATUS_CODE, Option.LIMIT_CONN_STATUS_CODE,
            Option.HTTP_REDIRECT_CODE, Option.HSTS, Option.HSTS_MAX_AGE, Option.HSTS_INCLUDE_SUBDOMAINS,
            Option.HSTS_PRELOAD, Option.PROXY_CONNECT_TIMEOUT, Option.PROXY_READ_TIMEOUT,
            Option.UPSTREAM_KEEPALIVE_TIMEOUT, Option.CLIENT_HEADER_TIMEOUT, Option.CLIENT_BODY_TIMEOUT,
            Option.PROXY_BODY_SIZE, Option.ENABLE_UNDERSCORES_IN_HEADERS, Option.GLOBAL_ALLOWED_RESPONSE_HEADERS,
            Option.ALLOW_CROSS_NAMESPACE_RESOURCES, Option.SSL_REDIRECT, Option.FORCE_SSL_REDIRECT,
            Option.WHITELIST_SOURCE_RANGE, Option.DENYLIST_SOURCE_RANGE, Option.LOAD_BALANCE, Option.PROXY_SEND_TIMEOUT,
            Option.PROXY_NEXT_UPSTREAM, Option.PROXY_NEXT_UPSTREAM_TIMEOUT, Option.PROXY_NEXT_UPSTREAM_TRIES,
            Option.LIMIT_RATE, Option.LIMIT_RATE_AFTER, Option.PROXY_BUFFER_SIZE, Option.PRESERVE_TRAILING_SLASH,
            Option.PROXY_REDIRECT_FROM, Option.PROXY_REDIRECT_TO, Option.GLOBAL_AUTH_URL, Option.GLOBAL_AUTH_METHOD,
            Option.GLOBAL_AUTH_SIGNIN, Option.GLOBAL_AUTH_SIGNIN_REDIRECT_PARAM, Option.GLOBAL_AUTH_RESPONSE_HEADERS,
            Option.GLOBAL_AUTH_REQUEST_REDIRECT, Option.GLOBAL_AUTH_CACHE_KEY, Option.GLOBAL_AUTH_CACHE_DURATION,
            Option.GLOBAL_AUTH_ALWAYS_SET_COOKIE, Option.NO_AUTH_LOCATIONS}) {
            flag(option.flag(), option);
        }
        flag("use-http2", Option.HTTP2);
        flag("keep-alive", Option.KEEP_ALIVE_TIMEOUT, IngressNginxConfigMap::seconds);
        flag("worker-shutdown-timeout", Option.SHUTDOWN_TIMEOUT, IngressNginxConfigMap::seconds);
        flag("bind-address", Option.BIND_ADDRESS, IngressNginxConfigMap::oneAddress);
        flag("worker-processes", Option.EVENT_LOOPS, value -> value.trim().equals("auto") ? "0" : value.trim());
        flag("disable-access-log", Option.ACCESS_LOG, IngressNginxConfigMap::negated);
        flag("disable-http-access-log", Option.ACCESS_LOG, IngressNginxConfigMap::negated);
        flag("bind-address-ipv4", Option.BIND_ADDRESS, IngressNginxConfigMap::oneAddress);
        flag("error-log-level", Option.LOG_LEVEL, IngressNginxConfigMap::logLevel);
        flag("ssl-protocols", Option.SSL_PROTOCOLS, IngressNginxConfigMap::protocols);
        flag("ssl-ciphers", Option.SSL_CIPHERS, IngressNginxConfigMap::ciphers);
        flag("allow-backend-server-header", Option.ALLOW_BACKEND_SERVER_HEADER);
        flag("custom-http-errors", Option.CUSTOM_HTTP_ERRORS);
        flag("log-format-upstream", Option.LOG_FORMAT_UPSTREAM, String::trim);
        flag("log-format-escape-json", Option.LOG_FORMAT_ESCAPE_JSON);
        flag("log-format-escape-none", Option.LOG_FORMAT_ESCAPE_NONE);

        for (String key : new String[] {"main-snippet", "http-snippet", "server-snippet", "stream-snippet",
            "location-snippet", "modsecurity-snippet", "global-auth-snippet"}) {
            RULES.put(key, new Rule(Kind.SNIPPET, null, null, Set.of(""), null));
        }
        notNeeded("Caravan runs no configuration snippet, whatever this says: an Ingress with a *-snippet annotation is"
                + " not served (its paths answer 503, never another Ingress's rule); run check on the Ingresses to find"
                + " them", "allow-snippet-annotations", "annotations-risk-level");
        notNeeded("Caravan reads annotation values, never pastes them into a configuration",
                "annotation-value-word-blocklist");
        notNeeded("an nginx table, worker or buffer size: Caravan has none to set", "map-hash-bucket-size",
                "server-name-hash-max-size", "server-name-hash-bucket-size", "proxy-headers-hash-max-size",
                "proxy-headers-hash-bucket-size", "variables-hash-bucket-size", "variables-hash-max-size",
                "enable-multi-accept", "max-worker-open-files", "worker-cpu-affinity", "enable-aio-write", "reuse-port",
                "lua-shared-dicts", "grpc-buffer-size-kb", "ssl-buffer-size", "client-header-buffer-size",
                "client-body-buffer-size", "proxy-buffers-number", "proxy-busy-buffers-size", "proxy-max-temp-file-size",
                "http2-max-field-size", "http2-max-header-size", "debug-connections", "disable-ipv6-dns");
        notNeeded("Caravan writes its log and access log to stdout (the logger caravan.access)", "access-log-path",
                "http-access-log-path", "stream-access-log-path", "error-log-path", "access-log-params",
                "enable-syslog", "syslog-host", "syslog-port");
        unsupported("TCP services are logged in ingress-nginx's default stream format (JSON with --access-log-format"
                + " json)", "[$remote_addr] [$time_local] $protocol $status $bytes_sent $bytes_received $session_time",
                "log-format-stream");
        unsupported("TCP services are logged with the access log (--access-log=false turns both off)", "false",
                "disable-stream-access-log");
        unsupported("Caravan logs the requests no rule serves too", "true", "enable-access-log-for-default-backend");
        unsupported("Caravan does not log auth-url's requests apart", "false", "enable-auth-access-log");
        unsupported("custom-http-errors intercepts the pod's answers of its statuses", "false",
                "disable-proxy-intercept-errors");
        unsupported("Caravan reads a load balancer's host from X-Forwarded-Host", "X-Forwarded-Host",
                "forwarded-host-header");
        unsupported("Caravan talks HTTP/1.1 to pods (HTTP/2 for GRPC)", "1.1", "proxy-http-version");
        unsupported("Caravan takes no TLS 1.3 early data", "false", "ssl-early-data");
        unsupported("Caravan listens on --bind-address alone", "", "bind-address-ipv6");
        notNeeded("a header line whose name is not a token gets its request 400 from Caravan, where nginx drops"
                + " the line", "ignore-invalid-headers");
        notNeeded("Caravan never reloads", "enable-serial-reloads");
        notNeeded("no status page: Caravan's metrics are on the admin port", "nginx-status-ipv4-whitelist",
                "nginx-status-ipv6-whitelist");
        notNeeded("Caravan's TLS library keeps its own session cache", "ssl-session-cache", "ssl-session-cache-size",
                "ssl-session-timeout", "ssl-session-ticket-key");
        unsupported("Caravan's TLS library issues session tickets (keys it makes and rotates itself)", "true",
                "ssl-session-tickets");
        notNeeded("connections to pods are pooled per event loop, an idle one closed after --upstream-keepalive-timeout",
                "upstream-keepalive-connections", "upstream-keepalive-requests", "upstream-keepalive-time");
        notNeeded("a client connection serves requests until it is idle for --keep-alive-timeout", "keep-alive-requests",
                "http2-max-requests");
        notNeeded("--max-connections limits client connections over all event loops (0: no limit)",
                "max-worker-connections");
        notNeeded("only with use-gzip or enable-brotli", "gzip-level", "gzip-min-length", "gzip-types", "gzip-disable",
                "brotli-level", "brotli-min-length", "brotli-types");
        notNeeded("only with enable-opentelemetry or a Jaeger collector", "opentelemetry-trust-incoming-span",
                "opentelemetry-operation-name", "opentelemetry-config", "otlp-collector-host", "otlp-collector-port",
                "otel-max-queuesize", "otel-schedule-delay-millis", "otel-max-export-batch-size", "otel-service-name",
                "otel-sampler", "otel-sampler-parent-based", "otel-sampler-ratio", "jaeger-collector-port",
                "jaeger-service-name", "jaeger-propagation-format", "jaeger-sampler-type", "jaeger-sampler-param",
                "jaeger-sampler-host", "jaeger-sampler-port", "jaeger-trace-context-header-name", "jaeger-debug-header",
                "jaeger-baggage-header", "jaeger-trace-baggage-header-prefix");
        notNeeded("only GeoIP variables, which Caravan does not fill in", "use-geoip", "geoip2-autoreload-in-minutes");
        flag("proxy-stream-timeout", Option.PROXY_STREAM_TIMEOUT);
        unsupported("a TCP service's connection tries up to three pods, for up to --proxy-connect-timeout each", "true",
                "proxy-stream-next-upstream");
        unsupported("a TCP service's connection tries up to three pods, for up to --proxy-connect-timeout each", "3",
                "proxy-stream-next-upstream-tries");
        notNeeded("a TCP service's connection tries up to three pods, for up to --proxy-connect-timeout each",
                "proxy-stream-next-upstream-timeout");
        flag("proxy-stream-responses", Option.PROXY_STREAM_RESPONSES);
        notNeeded("Caravan reads PROXY protocol headers, not an X-Forwarded-For within them",
                "forwarded-for-proxy-protocol-header");
        notNeeded("Caravan checks each path against its pathType, as the Kubernetes API defines them",
                "strict-validate-path-type");
        notNeeded("Caravan's own answers say their type", "default-type");

        unsupported("Caravan does not compress responses", "false", "use-gzip", "enable-brotli");
        unsupported("Caravan has no web application firewall", "false", "enable-modsecurity",
                "enable-owasp-modsecurity-crs");
        unsupported("Caravan does not trace requests (each gets an X-Request-ID)", "false", "enable-opentelemetry");
        unsupported("Caravan does not trace requests (each gets an X-Request-ID)", "", "jaeger-collector-host",
                "jaeger-endpoint");
        unsupported("Caravan has no GeoIP databases", "false", "use-geoip2");
        unsupported("no global setting: enable-access-log: \"false\" on the Ingresses", "", "skip-access-log-urls");
        unsupported("rate limits key on the client's address", "$binary_remote_addr", "limit-conn-zone-variable");
        annotationOnly("proxy-cookie-path", "off");
        annotationOnly("proxy-cookie-domain", "off");
        unsupported("Caravan streams request bodies to pods", "off", "proxy-request-buffering");
        unsupported("Caravan streams responses to clients", "off", "proxy-buffering");
        unsupported("Caravan exempts the rules whose path starts with /.well-known/acme-challenge alone from"
                + " redirects to HTTPS",
                "/.well-known/acme-challenge", "no-tls-redirect-locations");
        unsupported("Caravan allows 128 streams per HTTP/2 connection", "128", "http2-max-concurrent-streams");
        unsupported("Caravan takes request lines up to 8 KiB and heads up to 32 KiB", "4 8k",
                "large-client-header-buffers");
        unsupported("Caravan sends no Server header of its own", "false", "server-tokens");
        unsupported("Caravan hides no pod response header", "", "hide-headers");
        unsupported("Caravan never retries a request whose method is not idempotent", "false", "retry-non-idempotent");
        unsupported("Caravan listens on --bind-address alone: 0.0.0.0 (the default) is IPv4, :: is IPv6 and IPv4", "true",
                "disable-ipv6");
        unsupported("Caravan does not staple OCSP answers", "false", "enable-ocsp");
        unsupported("Caravan's TLS library chooses the curves", "auto", "ssl-ecdh-curve");
        unsupported("Caravan offers no finite-field Diffie-Hellman", "", "ssl-dh-param");
        unsupported("an unknown server name gets the default certificate", "false", "ssl-reject-handshake");
        unsupported("proxy-ssl-* annotations apply to their Ingress's paths", "false", "proxy-ssl-location-only");
        annotationOnly("service-upstream", "false");
        unsupported("Caravan's redirects are absolute", "false", "relative-redirects");
        unsupported("Caravan does not add X-Original-URI", "false", "proxy-add-original-uri-header");
        unsupported("Caravan sends every request with an X-Request-ID", "true", "generate-request-id");
    }

    private IngressNginxConfigMap() {
    }

    /** The verdicts of a ConfigMap's data, by key. */
    static List<Setting> translate(Map<String, String> data) {
        List<Setting> settings = new ArrayList<>();
        for (Map.Entry<String, String> entry : new TreeMap<>(data).entrySet()) {
            settings.add(translate(entry.getKey(), entry.getValue() == null ? "" : entry.getValue()));
        }
        return settings;
    }

    private static Setting translate(String key, String value) {
        Rule rule = RULES.get(key);
        if (rule == null) {
            return new Setting(key, value, Verdict.UNKNOWN, null, null, "ingress-nginx has no such key and ignores it");
        }
        switch (rule.kind()) {
            case SNIPPET:
                return value.isBlank() ? new Setting(key, value, Verdict.SAME, null, null, "empty")
                        : new Setting(key, value, Verdict.REFUSED, null, null,
                                "Caravan never runs configuration snippets: what this does needs a setting of its own");
            case NOT_NEEDED:
                return new Setting(key, value, Verdict.NOT_NEEDED, null, null, rule.why());
            case NOT_SUPPORTED:
                return asCaravan(rule.caravanValues(), value)
                        ? new Setting(key, value, Verdict.SAME, null, null, rule.why())
                        : new Setting(key, value, Verdict.NOT_SUPPORTED, null, null, rule.why());
            default:
                break;
        }
        Option option = rule.option();
        if ((option.type() == Option.Type.ANNOTATION_DEFAULT || option.type() == Option.Type.GLOBAL_AUTH) && value.isBlank()) {
            return new Setting(key, value, Verdict.SAME, option, null, "empty: Ingresses that do not set " + key
                    + " go without it");
        }
        String flagValue;
        try {
            flagValue = option.check(rule.convert().apply(value), "--" + option.flag());
        } catch (IllegalArgumentException | UsageException e) {
            return new Setting(key, value, Verdict.INVALID, option, null, e.getMessage());
        }
        if (flagValue.equals(option.defaultValue())) {
            return new Setting(key, value, Verdict.SAME, option, null, "Caravan's default --" + option.flag() + " "
                    + flagValue);
        }
        if (option.type() == Option.Type.ANNOTATION_DEFAULT && flagValue.equals(ANNOTATION_DEFAULTS.get(option.flag()))) {
            return new Setting(key, value, Verdict.SAME, option, null, "Caravan's " + option.flag() + " when an Ingress"
                    + " does not set it");
        }
        return new Setting(key, value, Verdict.FLAG, option, flagValue, option == Option.SSL_CIPHERS
                ? leftOut(value, flagValue) : null);
    }

    /** The suites of an ssl-ciphers list its flag value leaves out, said, or {@code null} when none is. */
    private static String leftOut(String value, String flagValue) {
        List<String> kept = List.of(flagValue.split(":"));
        List<String> dropped = new ArrayList<>();
        for (String cipher : value.trim().split(":")) {
            String name = cipher.trim().startsWith("TLS_") ? cipher.trim() : CipherSuiteConverter.toJava(cipher.trim(),
                    "TLS");
            if (!cipher.isBlank() && !kept.contains(name)) {
                dropped.add(cipher.trim());
            }
        }
        return dropped.isEmpty() ? null : "left out, as Caravan's TLS library does not offer them: "
                + String.join(", ", dropped) + " (clients that have no other suite cannot connect)";
    }

    /** Whether a value is one Caravan does anyway: as written, or the same Go boolean ("False", "0" are "false"). */
    private static boolean asCaravan(Set<String> caravanValues, String value) {
        if (caravanValues.contains(value.trim())) {
            return true;
        }
        try {
            return caravanValues.contains(bool(value));
        } catch (IllegalArgumentException notBoolean) {
            return false;
        }
    }

    /** Go's strconv.ParseBool, as ingress-nginx reads its booleans. */
    static String bool(String value) {
        return switch (value.trim()) {
            case "1", "t", "T", "TRUE", "true", "True" -> "true";
            case "0", "f", "F", "FALSE", "false", "False" -> "false";
            default -> throw new IllegalArgumentException("'" + value + "' is not true or false");
        };
    }

    /** A {@code disable-*} key's boolean as the flag that enables. */
    private static String negated(String value) {
        return bool(value).equals("true") ? "false" : "true";
    }

    /** A time in nginx's units as whole seconds (ingress-nginx takes {@code 5s} and {@code 5} alike). */
    private static String seconds(String value) {
        long millis;
        try {
            millis = NginxTime.parse(value).toMillis();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + value + "' is too long a time");
        }
        if (millis % 1000 != 0) {
            throw new IllegalArgumentException("'" + value + "' is not a whole number of seconds");
        }
        return Long.toString(millis / 1000);
    }

    private static String logLevel(String value) {
        return switch (value.trim()) {
            case "debug" -> "debug";
            case "info", "notice" -> "info";
            case "warn" -> "warn";
            case "error", "crit", "alert", "emerg" -> "error";
            default -> throw new IllegalArgumentException("'" + value + "' is not an nginx log level");
        };
    }

    private static String protocols(String value) {
        for (String protocol : Option.list(value)) {
            if (!protocol.equals("TLSv1.2") && !protocol.equals("TLSv1.3")) {
                throw new IllegalArgumentException(protocol + " is not offered by Caravan (TLSv1.2 and TLSv1.3 only):"
                        + " its clients could not connect");
            }
        }
        return String.join(" ", Option.list(value));
    }

    /** ingress-nginx takes a list of addresses; Caravan binds one (empty: every IPv4 address). */
    private static String oneAddress(String value) {
        String address = value.trim();
        if (address.contains(",")) {
            throw new IllegalArgumentException("'" + value + "' is several addresses: Caravan binds one (--bind-address)");
        }
        return address.isEmpty() ? "0.0.0.0" : address;
    }

    /** OpenSSL's names of cipher suites as the IANA names --ssl-ciphers takes. */
    private static String ciphers(String value) {
        List<String> names = new ArrayList<>();
        for (String cipher : value.trim().split(":")) {
            if (cipher.isBlank()) {
                continue;
            }
            String name = cipher.trim().startsWith("TLS_") ? cipher.trim() : CipherSuiteConverter.toJava(cipher.trim(), "TLS");
            if (name == null) {
                throw new IllegalArgumentException("'" + cipher.trim() + "' is no cipher suite (OpenSSL's keywords and"
                        + " exclusions are not read): list the suites");
            }
            // a suite Caravan's TLS library does not offer (finite-field Diffie-Hellman, CBC) is left out, the rest kept
            if (TlsSettings.offers(name)) {
                names.add(name);
            }
        }
        if (names.isEmpty()) {
            throw new IllegalArgumentException("names no cipher suite Caravan offers");
        }
        return String.join(":", names);
    }

    /** The keys that translate to {@code option}, sorted: what an operator edits, for a flag named. */
    static List<String> keysOf(Option option) {
        return RULES.entrySet().stream().filter(rule -> rule.getValue().option() == option).map(Map.Entry::getKey)
                .sorted().toList();
    }

    /** The flags a ConfigMap's verdicts come to, as a shell takes them. */
    static List<String> flags(List<Setting> settings) {
        return settings.stream().filter(setting -> setting.verdict() == Verdict.FLAG).map(IngressNginxConfigMap::flag)
                .toList();
    }

    /** A {@link Verdict#FLAG} setting's flag, as a shell takes it. */
    static String flag(Setting setting) {
        String value = setting.flagValue();
        return "--" + setting.option().flag() + (setting.option().type() == Option.Type.FLAG && value.equals("true")
                ? "" : "=" + (value.matches("[A-Za-z0-9._/:,@+-]+") ? value : "'" + value.replace("'", "'\\''") + "'"));
    }

    /** The same as environment variables, as k8s/base/config.yaml lists them. */
    static List<String> environment(List<Setting> settings) {
        List<String> lines = new ArrayList<>();
        for (Setting setting : settings) {
            if (setting.verdict() == Verdict.FLAG) {
                lines.add(setting.option().environmentName() + ": \"" + setting.flagValue().replace("\\", "\\\\")
                        .replace("\"", "\\\"") + "\"");
            }
        }
        return lines;
    }
}

package dev.caravan.cli;

import dev.caravan.admin.LogFormat;
import dev.caravan.compile.annotation.AnnotationCatalog;
import dev.caravan.compile.annotation.AnnotationFinding;
import dev.caravan.compile.annotation.AnnotationParser;
import dev.caravan.compile.annotation.NginxSize;
import dev.caravan.gateway.RequestBlocks;
import dev.caravan.routing.Networks;
import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.SettableHeaders;
import dev.caravan.source.ExternalNameResolver;
import dev.caravan.state.ExternalNames;
import dev.caravan.state.LabelSelectors;
import dev.caravan.tls.TlsSettings;
import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.util.NetUtil;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every setting Caravan takes. Each is a command-line flag ({@code --http-port 8080}), a system
 * property ({@code caravan.http-port}) or an environment variable ({@code CARAVAN_HTTP_PORT}), in that
 * order of precedence.
 */
public enum Option {
    MANIFESTS("manifests", Type.PATH, null,
            "serve the manifests in this folder instead of watching a cluster (standalone mode)"),
    KUBECONFIG("kubeconfig", Type.PATH, null, "kubeconfig file, to run outside the cluster (else the pod's service account)"),
    APISERVER_HOST("apiserver-host", Type.TEXT, null, "URL of the Kubernetes API server, overriding the kubeconfig's"),
    WATCH_NAMESPACE("watch-namespace", Type.TEXT, null, "watch only this namespace (else all namespaces)"),
    ANNOTATIONS_PREFIX("annotations-prefix", Type.DNS_NAME, "nginx.ingress.kubernetes.io",
            "the prefix of the ingress-nginx annotations read (as ingress-nginx's flag; those of the usual one are not)"),
    WATCH_NAMESPACE_SELECTOR("watch-namespace-selector", Type.LABEL_SELECTOR, null,
            "serve only the Ingresses of the namespaces with these labels (a label selector: team=a,env in (prod))"),
    CONFIGMAP("configmap", Type.SERVICE, null,
            "NAMESPACE/NAME of ingress-nginx's controller ConfigMap, read at start: each key becomes the flag it"
                    + " translates to (as check --configmap prints), under the command line's and the environment's"),
    ROUTES("routes", Type.PATH, "routes", "folder of Camel routes (YAML, XML), loaded and reloaded with their files"),
    BIND_ADDRESS("bind-address", Type.ADDRESS, "0.0.0.0", "address the listeners and the admin port bind to"),
    HTTP_PORT("http-port", Type.PORT, "8080", "port of the HTTP listener"),
    HTTPS_PORT("https-port", Type.PORT, "8443", "port of the HTTPS listener"),
    HTTP_PUBLIC_PORT("http-public-port", Type.PORT, "80",
            "port clients reach HTTP on (the Service's in front), told to pods as X-Forwarded-Port"),
    HTTPS_REDIRECT_PORT("https-redirect-port", Type.PORT, "443",
            "port clients reach HTTPS on, for redirects from HTTP (443 is left out of the Location)"),
    DEFAULT_SSL_CERTIFICATE("default-ssl-certificate", Type.SERVICE, null,
            "NAMESPACE/NAME of the TLS Secret served to unknown SNI names (else a generated self-signed one)"),
    SSL_PROTOCOLS("ssl-protocols", Type.TLS_PROTOCOLS, "TLSv1.2 TLSv1.3", "TLS versions offered (TLSv1.2, TLSv1.3)"),
    SSL_CIPHERS("ssl-ciphers", Type.CIPHERS, null,
            "TLS 1.2 cipher suites, IANA names, colon-separated (default: forward-secret AEAD suites only)"),
    ENABLE_SSL_PASSTHROUGH("enable-ssl-passthrough", Type.FLAG, "false",
            "honour ssl-passthrough: relay TLS for such hosts to their pods undecrypted"),
    ALLOW_CROSS_NAMESPACE_RESOURCES("allow-cross-namespace-resources", Type.FLAG, "false",
            "let auth-secret, auth-tls-secret, proxy-ssl-secret, custom-headers and auth-proxy-set-headers name"
                    + " NAMESPACE/NAME in another namespace than their Ingress's (any Ingress may then use any"
                    + " namespace's Secrets and ConfigMaps)"),
    GLOBAL_ALLOWED_RESPONSE_HEADERS("global-allowed-response-headers", Type.HEADER_NAMES, null,
            "the response headers (comma-separated) custom-headers may set; none unless named"),
    ADD_HEADERS("add-headers", Type.SERVICE, null,
            "NAMESPACE/NAME of a ConfigMap of headers set on every response (as ingress-nginx's add-headers)"),
    PROXY_SET_HEADERS("proxy-set-headers", Type.SERVICE, null,
            "NAMESPACE/NAME of a ConfigMap of headers set on every request to a pod, values with nginx variables (as"
                    + " ingress-nginx's proxy-set-headers)"),
    TCP_SERVICES_CONFIGMAP("tcp-services-configmap", Type.SERVICE, null,
            "NAMESPACE/NAME of a ConfigMap of TCP ports relayed to Services' pods, \"PORT\":"
                    + " \"NAMESPACE/SERVICE:PORT[:PROXY[:PROXY]]\" (as ingress-nginx's)"),
    UDP_SERVICES_CONFIGMAP("udp-services-configmap", Type.SERVICE, null,
            "NAMESPACE/NAME of a ConfigMap of UDP ports relayed to Services' pods, \"PORT\": \"NAMESPACE/SERVICE:PORT\""
                    + " (as ingress-nginx's)"),
    PROXY_STREAM_TIMEOUT("proxy-stream-timeout", Type.SECONDS, "600",
            "seconds a relayed TCP connection or UDP session may carry nothing either way before it is closed"),
    PROXY_STREAM_RESPONSES("proxy-stream-responses", Type.NUMBER, "1",
            "datagrams a pod answers each UDP datagram with, after which the session ends (0: none awaited or relayed)"),
    RESOLVER("resolver", Type.NAME_SERVERS, null,
            "DNS servers ExternalName Services' names are asked of, IP[:PORT] comma-separated (else /etc/resolv.conf's)"),
    DISABLE_SVC_EXTERNAL_NAME("disable-svc-external-name", Type.FLAG, "false",
            "refuse Services of type ExternalName as backends (else any Ingress may send to any DNS name they give)"),
    ENABLE_TOPOLOGY_AWARE_ROUTING("enable-topology-aware-routing", Type.FLAG, "false",
            "send to the pods of this replica's zone (its Node's topology.kubernetes.io/zone) when their Service asks"
                    + " for it (topology-mode: auto, trafficDistribution: PreferClose) and its EndpointSlices hint them"
                    + " for the zone, as ingress-nginx's flag"),
    ALLOW_BACKEND_SERVER_HEADER("allow-backend-server-header", Type.FLAG, "false",
            "pass the pods' Server header on to clients (else it is removed, as ingress-nginx removes it), as"
                    + " ingress-nginx's ConfigMap key"),
    HTTP2("http2", Type.FLAG, "true", "offer HTTP/2 to HTTPS clients (ALPN h2)"),
    HSTS("hsts", Type.FLAG, "true", "send Strict-Transport-Security over HTTPS for hosts with TLS"),
    HSTS_MAX_AGE("hsts-max-age", Type.NUMBER, "31536000", "its max-age, seconds"),
    HSTS_INCLUDE_SUBDOMAINS("hsts-include-subdomains", Type.FLAG, "true", "its includeSubDomains"),
    HSTS_PRELOAD("hsts-preload", Type.FLAG, "false", "its preload"),
    ADMIN_PORT("admin-port", Type.PORT, "10254", "port of /healthz and /readyz"),
    WEBHOOK_PORT("webhook-port", Type.PORT, null,
            "serve the validating admission webhook (POST /validate, HTTPS) on this port (else none; cluster only)"),
    WEBHOOK_SERVICE("webhook-service", Type.TEXT, "caravan-admission",
            "the Service in --pod-namespace the API server calls the webhook through; its DNS names go in the certificate"),
    WEBHOOK_SECRET("webhook-secret", Type.TEXT, "caravan-admission",
            "the TLS Secret in --pod-namespace holding the webhook's CA and certificate; the leader creates it"),
    WEBHOOK_CONFIGURATION("webhook-configuration", Type.TEXT, "caravan-admission",
            "the ValidatingWebhookConfiguration whose caBundle the leader keeps equal to the Secret's CA"),
    INGRESS_CLASS("ingress-class", Type.TEXT, "caravan", "class name matched against the kubernetes.io/ingress.class annotation"),
    CONTROLLER_CLASS("controller-class", Type.TEXT, "caravan.dev/ingress-controller",
            "IngressClass spec.controller value that Caravan serves"),
    DISABLE_CATCH_ALL("disable-catch-all", Type.FLAG, "false",
            "ignore every Ingress with a spec.defaultBackend, as ingress-nginx's flag (no Ingress takes the catch-all)"),
    WATCH_INGRESS_WITHOUT_CLASS("watch-ingress-without-class", Type.FLAG, "false",
            "also serve Ingresses that name no class"),
    DEFAULT_BACKEND_SERVICE("default-backend-service", Type.SERVICE, null,
            "NAMESPACE/NAME of the Service that answers requests no rule matches (else a built-in 404)"),
    PUBLISH_SERVICE("publish-service", Type.SERVICE, null,
            "NAMESPACE/NAME of the Service whose addresses go into the status of our Ingresses"),
    PUBLISH_STATUS_ADDRESS("publish-status-address", Type.TEXT, null,
            "comma-separated addresses for the status of our Ingresses (instead of --publish-service)"),
    UPDATE_STATUS("update-status", Type.FLAG, "true",
            "write the addresses of --publish-service or --publish-status-address into the status of our Ingresses"),
    UPDATE_STATUS_ON_SHUTDOWN("update-status-on-shutdown", Type.FLAG, "false",
            "empty the status of our Ingresses when the leader shuts down"),
    ELECTION_ID("election-id", Type.TEXT, "caravan-leader", "name of the Lease the replicas elect their leader with"),
    ELECTION_LEASE_DURATION("election-lease-duration", Type.SECONDS, "15",
            "seconds a silent leader keeps the Lease"),
    POD_NAMESPACE("pod-namespace", Type.TEXT, "default", "namespace Caravan runs in, where its Lease lives"),
    POD_NAME("pod-name", Type.TEXT, null, "this replica's pod name (default: the host name)"),
    EVENT_LOOPS("event-loops", Type.NUMBER, "0",
            "threads serving the listeners, the webhook and the connections to pods (0: one per available core)"),
    MAX_CONNECTIONS("max-connections", Type.NUMBER, "0",
            "client connections open at once, over all listeners; more are closed on accept (0: no limit)"),
    PROXY_CONNECT_TIMEOUT("proxy-connect-timeout", Type.SECONDS, "5", "seconds to connect to a pod"),
    PROXY_READ_TIMEOUT("proxy-read-timeout", Type.SECONDS, "60", "seconds a pod may stay silent while answering"),
    UPSTREAM_KEEPALIVE_TIMEOUT("upstream-keepalive-timeout", Type.SECONDS, "4",
            "seconds an idle pooled connection to a pod is kept (below common pod keep-alive timeouts)"),
    PROXY_BODY_SIZE("proxy-body-size", Type.SIZE, "1m",
            "largest request body proxied (k, m, g; 0 = no limit), unless an Ingress says otherwise"),
    ENABLE_UNDERSCORES_IN_HEADERS("enable-underscores-in-headers", Type.FLAG, "false",
            "pass request headers whose names have an underscore (else dropped, as ingress-nginx)"),
    USE_PROXY_PROTOCOL("use-proxy-protocol", Type.FLAG, "false",
            "every connection to the HTTP and HTTPS listeners starts with a PROXY protocol header (v1 or v2, as a"
                    + " load balancer sends it): its source is the client's address; a connection without one is closed"),
    PROXY_PROTOCOL_HEADER_TIMEOUT("proxy-protocol-header-timeout", Type.SECONDS, "5",
            "seconds a connection's PROXY protocol header may take to arrive before the connection is closed"),
    LIMIT_REQ_STATUS_CODE("limit-req-status-code", Type.ERROR_STATUS, "503",
            "the status of a request over an Ingress's limit-rps or limit-rpm"),
    LIMIT_CONN_STATUS_CODE("limit-conn-status-code", Type.ERROR_STATUS, "503",
            "the status of a request over an Ingress's limit-connections"),
    HTTP_REDIRECT_CODE("http-redirect-code", Type.REDIRECT_STATUS, "308",
            "the status of redirects to HTTPS and of from-to-www-redirect (301, 302, 307 or 308)"),
    SSL_REDIRECT("ssl-redirect", Type.ANNOTATION_DEFAULT, null,
            "ssl-redirect for Ingresses that do not set it (else true: plain HTTP to hosts with TLS is redirected)"),
    FORCE_SSL_REDIRECT("force-ssl-redirect", Type.ANNOTATION_DEFAULT, null,
            "force-ssl-redirect for Ingresses that do not set it (else false)"),
    WHITELIST_SOURCE_RANGE("whitelist-source-range", Type.ANNOTATION_DEFAULT, null,
            "whitelist-source-range (CIDRs) for Ingresses that set no allow-list of their own (else every client)"),
    DENYLIST_SOURCE_RANGE("denylist-source-range", Type.ANNOTATION_DEFAULT, null,
            "denylist-source-range (CIDRs) for Ingresses that set none of their own"),
    LOAD_BALANCE("load-balance", Type.ANNOTATION_DEFAULT, null,
            "load-balance (round_robin or ewma) for Ingresses that do not set it (else round_robin)"),
    PROXY_SEND_TIMEOUT("proxy-send-timeout", Type.ANNOTATION_DEFAULT, null,
            "proxy-send-timeout (seconds) for Ingresses that do not set it (else 60)"),
    PROXY_NEXT_UPSTREAM("proxy-next-upstream", Type.ANNOTATION_DEFAULT, null,
            "proxy-next-upstream for Ingresses that do not set it (else error timeout)"),
    PROXY_NEXT_UPSTREAM_TIMEOUT("proxy-next-upstream-timeout", Type.ANNOTATION_DEFAULT, null,
            "proxy-next-upstream-timeout (seconds) for Ingresses that do not set it (else 0: none)"),
    PROXY_NEXT_UPSTREAM_TRIES("proxy-next-upstream-tries", Type.ANNOTATION_DEFAULT, null,
            "proxy-next-upstream-tries for Ingresses that do not set it (else 3)"),
    LIMIT_RATE("limit-rate", Type.ANNOTATION_DEFAULT, null,
            "limit-rate (bytes a second of each response) for Ingresses that do not set it (else 0: none)"),
    LIMIT_RATE_AFTER("limit-rate-after", Type.ANNOTATION_DEFAULT, null,
            "limit-rate-after for Ingresses that do not set it (else 0)"),
    PROXY_BUFFER_SIZE("proxy-buffer-size", Type.ANNOTATION_DEFAULT, null,
            "proxy-buffer-size (the largest response head of a pod) for Ingresses that do not set it (else 32k)"),
    PRESERVE_TRAILING_SLASH("preserve-trailing-slash", Type.ANNOTATION_DEFAULT, null,
            "preserve-trailing-slash for Ingresses that do not set it (else false)"),
    PROXY_REDIRECT_FROM("proxy-redirect-from", Type.ANNOTATION_DEFAULT, null,
            "proxy-redirect-from for Ingresses that do not set it (else off)"),
    PROXY_REDIRECT_TO("proxy-redirect-to", Type.ANNOTATION_DEFAULT, null,
            "proxy-redirect-to for Ingresses that do not set it (else off)"),
    GLOBAL_AUTH_URL("global-auth-url", Type.GLOBAL_AUTH, null,
            "auth-url for every Ingress that sets none and does not say enable-global-auth: \"false\" (as ingress-nginx's"
                    + " ConfigMap key); the other --global-auth-* flags are its auth-* annotations"),
    GLOBAL_AUTH_METHOD("global-auth-method", Type.GLOBAL_AUTH, null, "auth-method of --global-auth-url"),
    GLOBAL_AUTH_SIGNIN("global-auth-signin", Type.GLOBAL_AUTH, null, "auth-signin of --global-auth-url"),
    GLOBAL_AUTH_SIGNIN_REDIRECT_PARAM("global-auth-signin-redirect-param", Type.GLOBAL_AUTH, null,
            "auth-signin-redirect-param of --global-auth-url"),
    GLOBAL_AUTH_RESPONSE_HEADERS("global-auth-response-headers", Type.GLOBAL_AUTH, null,
            "auth-response-headers of --global-auth-url"),
    GLOBAL_AUTH_REQUEST_REDIRECT("global-auth-request-redirect", Type.GLOBAL_AUTH, null,
            "auth-request-redirect of --global-auth-url"),
    GLOBAL_AUTH_CACHE_KEY("global-auth-cache-key", Type.GLOBAL_AUTH, null, "auth-cache-key of --global-auth-url"),
    GLOBAL_AUTH_CACHE_DURATION("global-auth-cache-duration", Type.GLOBAL_AUTH, null,
            "auth-cache-duration of --global-auth-url"),
    GLOBAL_AUTH_ALWAYS_SET_COOKIE("global-auth-always-set-cookie", Type.GLOBAL_AUTH, null,
            "auth-always-set-cookie of --global-auth-url"),
    NO_AUTH_LOCATIONS("no-auth-locations", Type.LOCATIONS, "/.well-known/acme-challenge",
            "Ingress paths (prefixes, comma-separated) whose rules ask no authentication (auth-url, an Ingress's own or"
                    + " --global-auth-url, basic, digest)"),
    CUSTOM_HTTP_ERRORS("custom-http-errors", Type.ERROR_STATUSES, null,
            "the pod's statuses (comma-separated) answered by the default backend's error page, for Ingresses that name"
                    + " none of their own (as the custom-http-errors annotation)"),
    BLOCK_CIDRS("block-cidrs", Type.NETWORKS, null,
            "clients (CIDRs, comma-separated) whose every request gets 403, as the source ranges see them"),
    BLOCK_USER_AGENTS("block-user-agents", Type.MATCHERS, null,
            "User-Agent values (comma-separated; ~regex, ~*regex ignoring case, else the whole value ignoring case)"
                    + " whose every request gets 403"),
    BLOCK_REFERERS("block-referers", Type.MATCHERS, null,
            "Referer values, as --block-user-agents, whose every request gets 403"),
    USE_FORWARDED_HEADERS("use-forwarded-headers", Type.FLAG, "false",
            "believe X-Forwarded-For (the client), X-Forwarded-Proto, -Host and -Port (what it asked for: redirects to"
                    + " HTTPS follow the scheme) from load balancers in front; else they are replaced"),
    ENABLE_REAL_IP("enable-real-ip", Type.FLAG, "false",
            "believe --forwarded-for-header about the client, but not the other X-Forwarded-* headers (not with"
                    + " --use-proxy-protocol alone, whose header names the client)"),
    FORWARDED_FOR_HEADER("forwarded-for-header", Type.HEADER_NAME, "X-Forwarded-For",
            "the header load balancers in front name the client in"),
    COMPUTE_FULL_FORWARDED_FOR("compute-full-forwarded-for", Type.FLAG, "false",
            "with --use-forwarded-headers, pods get the incoming X-Forwarded-For with the load balancer's address"
                    + " added, rather than the client's address alone"),
    PROXY_REAL_IP_CIDR("proxy-real-ip-cidr", Type.NETWORKS, "0.0.0.0/0",
            "the load balancers (CIDRs, comma-separated) whose PROXY protocol headers and X-Forwarded-* headers are"
                    + " believed; from other peers they are passed over"),
    CLIENT_HEADER_TIMEOUT("client-header-timeout", Type.SECONDS, "60",
            "seconds a request head may take to arrive whole before 408"),
    CLIENT_BODY_TIMEOUT("client-body-timeout", Type.SECONDS, "60",
            "seconds a request body may stop arriving before the request gets 408"),
    CLIENT_SEND_TIMEOUT("client-send-timeout", Type.SECONDS, "60",
            "seconds a client may take none of its response before the connection is closed (nginx send_timeout)"),
    KEEP_ALIVE_TIMEOUT("keep-alive-timeout", Type.SECONDS, "75",
            "seconds an idle client connection stays open (nginx keep-alive); also a Camel route's or an HTTP/2"
                    + " stream's longest silence"),
    UPGRADE_GRACE_PERIOD("upgrade-grace-period", Type.SECONDS, "10",
            "seconds a WebSocket (any upgraded connection) stays open after its pod left the Service, or its"
                    + " Ingress stopped letting it in"),
    SHUTDOWN_GRACE_PERIOD("shutdown-grace-period", Type.NUMBER, "5",
            "seconds to keep serving as usual after a stop is asked (readiness is 503), so load balancers see it"),
    SHUTDOWN_TIMEOUT("shutdown-timeout", Type.SECONDS, "10",
            "seconds then to let requests in flight finish, idle connections closed, before stopping"),
    ACCESS_LOG("access-log", Type.FLAG, "true", "write a line per request to stdout (logger caravan.access)"),
    ACCESS_LOG_FORMAT("access-log-format", Type.LOG_FORMAT, "json", "json, or combined (nginx's format)"),
    LOG_FORMAT_UPSTREAM("log-format-upstream", Type.LOG_TEMPLATE, null,
            "the access log's lines as ingress-nginx's log-format-upstream: text and nginx variables ($remote_addr,"
                    + " $request, $status, $upstream_addr, $req_id, $http_NAME, ...), instead of --access-log-format"),
    LOG_FORMAT_ESCAPE_JSON("log-format-escape-json", Type.FLAG, "false",
            "escape --log-format-upstream's values for JSON strings (else as nginx: \\xHH)"),
    LOG_FORMAT_ESCAPE_NONE("log-format-escape-none", Type.FLAG, "false",
            "write --log-format-upstream's values unescaped, as the client sent them"),
    METRICS("metrics", Type.FLAG, "true", "serve Prometheus metrics on the admin port's /metrics"),
    METRICS_PER_HOST("metrics-per-host", Type.FLAG, "true",
            "label request metrics with the host that served them, as ingress-nginx's flag (bounded by the Ingresses' hosts)"),
    METRICS_PER_UNDEFINED_HOST("metrics-per-undefined-host", Type.FLAG, "false",
            "with --metrics-per-host, label the requests of hosts no Ingress names exactly with the client's host (in at"
                    + " most 1,000 series of their own; beyond, under no host), as ingress-nginx's flag"),
    REPORT_STATUS_CLASSES("report-status-classes", Type.FLAG, "false",
            "label request metrics with the status's class (2xx) rather than the status, as ingress-nginx's flag"),
    JOLOKIA("jolokia", Type.FLAG, "false", "serve JMX over HTTP, read-only, on the admin port's /jolokia"),
    JMX_PORT("jmx-port", Type.PORT, null, "serve remote JMX (RMI) on this port (else none)"),
    JMX_BIND_ADDRESS("jmx-bind-address", Type.ADDRESS, "127.0.0.1", "address remote JMX binds to"),
    JMX_PASSWORD_FILE("jmx-password-file", Type.PATH, null,
            "JMX password file (user password per line): remote JMX then needs a login and may change things;"
                    + " without it, remote JMX is read-only"),
    LOG_LEVEL("log-level", Type.LOG_LEVEL, "info", "error, warn, info, debug or trace (the access log is apart)"),
    HELP("help", Type.FLAG, "false", "print this help and exit"),
    VERSION("version", Type.FLAG, "false", "print the version and exit");

    enum Type { TEXT, PATH, PORT, FLAG, SECONDS, NUMBER, SERVICE, ADDRESS, SIZE, TLS_PROTOCOLS, CIPHERS, LOG_FORMAT,
        LOG_TEMPLATE, LOG_LEVEL, ERROR_STATUSES, ANNOTATION_DEFAULT, GLOBAL_AUTH, LOCATIONS,
        HEADER_NAMES, HEADER_NAME, NETWORKS, MATCHERS, ERROR_STATUS, REDIRECT_STATUS, NAME_SERVERS, LABEL_SELECTOR, DNS_NAME }

    private final String flag;
    private final Type type;
    private final String defaultValue;
    private final String description;

    Option(String flag, Type type, String defaultValue, String description) {
        this.flag = flag;
        this.type = type;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    public String flag() {
        return flag;
    }

    Type type() {
        return type;
    }

    /** The annotation (without its prefix) a flag of annotation values stands for: its own name, or global-auth-X's auth-X. */
    String annotation() {
        return type == Type.GLOBAL_AUTH ? flag.substring("global-".length()) : flag;
    }

    String defaultValue() {
        return defaultValue;
    }

    String description() {
        return description;
    }

    String propertyName() {
        return "caravan." + flag;
    }

    String environmentName() {
        return "CARAVAN_" + flag.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    static Option byFlag(String flag) {
        for (Option option : values()) {
            if (option.flag.equals(flag)) {
                return option;
            }
        }
        return null;
    }

    /** Checks a value; returns it in canonical form. */
    String check(String value, String source) throws UsageException {
        String where = source + ": ";
        switch (type) {
            case PORT -> {
                int port = parseInt(value, where);
                if (port < 1 || port > 65535) {
                    throw new UsageException(where + "'" + value + "' is not a port (1-65535)");
                }
            }
            case SECONDS -> {
                int seconds = parseInt(value, where);
                if (seconds < 1 || seconds > 86400) {
                    throw new UsageException(where + "'" + value + "' is not a number of seconds (1-86400)");
                }
            }
            case NUMBER -> {
                if (parseInt(value, where) < 0) {
                    throw new UsageException(where + "'" + value + "' is negative");
                }
            }
            case TLS_PROTOCOLS -> {
                if (list(value).isEmpty()) {
                    throw new UsageException(where + "names no TLS version");
                }
                for (String protocol : list(value)) {
                    if (!protocol.equals("TLSv1.2") && !protocol.equals("TLSv1.3")) {
                        throw new UsageException(where + "'" + protocol + "' is not TLSv1.2 or TLSv1.3");
                    }
                }
            }
            case CIPHERS -> {
                if (list(value).isEmpty()) {
                    throw new UsageException(where + "names no cipher suite");
                }
                for (String cipher : list(value)) {
                    if (!TlsSettings.offers(cipher)) {
                        throw new UsageException(where + "'" + cipher + "' is not a cipher suite Caravan's TLS library"
                                + " offers (IANA names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)");
                    }
                }
            }
            case LOG_LEVEL -> {
                if (!List.of("error", "warn", "info", "debug", "trace").contains(value.toLowerCase(Locale.ROOT))) {
                    throw new UsageException(where + "'" + value + "' is not error, warn, info, debug or trace");
                }
            }
            case HEADER_NAMES -> {
                for (String name : list(value)) {
                    if (!name.matches("[A-Za-z0-9_-]+")) {
                        throw new UsageException(where + "'" + name + "' is not a header name");
                    }
                    if (!SettableHeaders.settable(name)) {
                        throw new UsageException(where + "'" + name + "' frames the response: no Ingress may set it");
                    }
                }
            }
            case HEADER_NAME -> {
                if (!value.matches("[A-Za-z0-9-]+")) {
                    throw new UsageException(where + "'" + value + "' is not a header name");
                }
            }
            case NETWORKS -> {
                try {
                    if (Networks.parse(value, IpFilterRuleType.ACCEPT).isEmpty()) {
                        throw new UsageException(where + "names no network");
                    }
                } catch (IllegalArgumentException e) {
                    throw new UsageException(where + e.getMessage());
                }
            }
            case ERROR_STATUS -> {
                int status = parseInt(value, where);
                if (status < 400 || status > 599) {
                    throw new UsageException(where + "'" + value + "' is not an error status (400-599)");
                }
            }
            case ANNOTATION_DEFAULT, GLOBAL_AUTH -> {
                if (value.isBlank()) {
                    throw new UsageException(where + "must not be empty");
                }
                // the annotation read as it would be on an Ingress (with an auth-url, for auth's): what it refuses, this
                String annotation = AnnotationCatalog.PREFIX + annotation();
                Map<String, String> annotations = new java.util.HashMap<>(Map.of(annotation, value));
                if (type == Type.GLOBAL_AUTH) {
                    annotations.putIfAbsent(AnnotationCatalog.PREFIX + "auth-url", "http://auth.invalid/");
                }
                for (AnnotationFinding finding : AnnotationParser.parse(annotations, "default").findings()) {
                    if (finding.annotation().equals(annotation)) {
                        throw new UsageException(where + finding.message());
                    }
                }
            }
            case LOCATIONS -> {
                for (String location : value.split(",")) {
                    if (!location.isBlank() && !location.trim().startsWith("/")) {
                        throw new UsageException(where + "'" + location.trim() + "' is not a path");
                    }
                }
            }
            case ERROR_STATUSES -> {
                if (list(value).isEmpty()) {
                    throw new UsageException(where + "names no status");
                }
                for (String item : list(value)) {
                    int status = parseInt(item, where);
                    if (status < 400 || status > 599) {
                        throw new UsageException(where + "'" + item + "' is not an error status (400-599)");
                    }
                }
            }
            case REDIRECT_STATUS -> {
                if (!List.of("301", "302", "307", "308").contains(value.trim())) {
                    throw new UsageException(where + "'" + value + "' is not 301, 302, 307 or 308");
                }
            }
            case MATCHERS -> readable(() -> RequestBlocks.of(null, value, null), where);
            case LOG_TEMPLATE -> readable(() -> LogFormat.parse(value, LogFormat.Escape.DEFAULT), where);
            case LOG_FORMAT -> {
                if (!value.equals("json") && !value.equals("combined")) {
                    throw new UsageException(where + "'" + value + "' is not json or combined");
                }
            }
            case FLAG -> {
                if (!value.equals("true") && !value.equals("false")) {
                    throw new UsageException(where + "'" + value + "' is not true or false");
                }
            }
            case SERVICE -> readable(() -> ObjectRef.parse(value), where);
            case SIZE -> {
                try {
                    NginxSize.parse(value);
                } catch (IllegalArgumentException e) {
                    throw new UsageException(where + "'" + value + "' is " + e.getMessage());
                }
            }
            case DNS_NAME -> {
                if (!ExternalNames.validDnsName(value.trim())) {
                    throw new UsageException(where + "'" + value + "' is not a DNS name (no slash: the prefix alone)");
                }
            }
            case LABEL_SELECTOR -> readable(() -> LabelSelectors.parse(value), where);
            case NAME_SERVERS -> readable(() -> ExternalNameResolver.nameServers(value), where);
            case ADDRESS -> {
                if (!NetUtil.isValidIpV4Address(value) && !NetUtil.isValidIpV6Address(value)) {
                    throw new UsageException(where + "'" + value + "' is not an IPv4 or IPv6 address");
                }
            }
            case TEXT, PATH -> {
                if (value.isBlank()) {
                    throw new UsageException(where + "must not be empty");
                }
            }
        }
        return value;
    }

    /** The items of a list option: separated by spaces, commas or colons (as OpenSSL's cipher lists). */
    static List<String> list(String value) {
        return Arrays.stream(value.split("[\\s,:]+")).filter(item -> !item.isEmpty()).toList();
    }

    /** Runs a parser of the value; what it refuses is the option's usage error, in the parser's words. */
    private static void readable(Runnable parse, String where) throws UsageException {
        try {
            parse.run();
        } catch (IllegalArgumentException e) {
            throw new UsageException(where + e.getMessage());
        }
    }

    private static int parseInt(String value, String where) throws UsageException {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(where + "'" + value + "' is not a whole number");
        }
    }
}

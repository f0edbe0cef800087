package dev.caravan.cli;

import dev.caravan.admin.AccessLog;
import dev.caravan.admin.LogFormat;
import dev.caravan.compile.ControllerSettings;
import dev.caravan.compile.annotation.NginxSize;
import dev.caravan.gateway.RealIpSettings;
import dev.caravan.gateway.RequestBlocks;
import dev.caravan.gateway.StatusCodes;
import dev.caravan.routing.Networks;
import dev.caravan.routing.ObjectRef;
import dev.caravan.source.ExternalNameResolver;
import dev.caravan.state.AnnotationPrefix;
import dev.caravan.state.LabelSelectors;
import io.fabric8.kubernetes.api.model.HasMetadata;
import dev.caravan.tls.TlsSettings;
import io.netty.handler.ipfilter.IpFilterRuleType;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/** Caravan's settings, resolved from the command line, then system properties, then the environment. */
public final class CaravanOptions {

    /** More threads than the largest machines have cores: a typo, not a setting. */
    static final int MAX_EVENT_LOOPS = 1024;

    private final Map<Option, String> values;
    /** The options given (flag, property, variable), which a ConfigMap's keys do not override. */
    private final Set<Option> given;
    /** What came of ingress-nginx's flags given: for the log, the warnings and the notes. */
    private final List<String> ingressNginxWarnings;
    private final List<String> ingressNginxNotes;
    /** The data of --configmap as read at start, or {@code null}. */
    private final Map<String, String> configMapRead;
    /** These options before --configmap's keys were read into them: where a changed ConfigMap is read into again. */
    private final CaravanOptions flagsAlone;

    private CaravanOptions(Map<Option, String> values, Set<Option> given, List<String> ingressNginxWarnings,
            List<String> ingressNginxNotes, Map<String, String> configMapRead, CaravanOptions flagsAlone) {
        this.flagsAlone = flagsAlone == null ? this : flagsAlone;
        this.values = values;
        this.given = Set.copyOf(given);
        this.configMapRead = configMapRead == null ? null : Map.copyOf(configMapRead);
        this.ingressNginxWarnings = List.copyOf(ingressNginxWarnings);
        this.ingressNginxNotes = List.copyOf(ingressNginxNotes);
    }

    public static CaravanOptions parse(String[] args, Properties properties, Map<String, String> environment)
            throws UsageException {
        Map<Option, String> values = new EnumMap<>(Option.class);
        Map<Option, String> fromIngressNginx = new EnumMap<>(Option.class);
        List<String> warnings = new java.util.ArrayList<>();
        List<String> notes = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i].equals("-h") ? "--help" : args[i];
            if (arg.equals("-v") || arg.startsWith("-v=")) {
                // klog's verbosity, which Go's flags also take with one dash
                arg = "-" + arg;
            }
            if (i == 0 && IngressNginxFlags.isIngressNginxProgram(arg)) {
                notes.add("ingress-nginx's program " + arg + " is not needed: Caravan's image runs Caravan");
                continue;
            }
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new UsageException("unexpected argument '" + arg + "' (see --help)");
            }
            int equals = arg.indexOf('=');
            String name = equals < 0 ? arg.substring(2) : arg.substring(2, equals);
            Option option = Option.byFlag(name);
            if (option == null && IngressNginxFlags.of(name) != null) {
                IngressNginxFlags.Flag flag = IngressNginxFlags.of(name);
                String value;
                if (equals >= 0) {
                    value = arg.substring(equals + 1);
                } else if (flag.bool()) {
                    value = "true";
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new UsageException("--" + name + " needs a value");
                }
                takeIngressNginxFlag(flag, value, fromIngressNginx, warnings, notes);
                continue;
            }
            if (option == null) {
                throw new UsageException("unknown option --" + name + " (see --help)");
            }
            String value;
            if (equals >= 0) {
                value = arg.substring(equals + 1);
            } else if (option.type() == Option.Type.FLAG) {
                value = "true";
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new UsageException("--" + name + " needs a value");
            }
            values.put(option, option.check(value, "--" + name));
        }
        Set<Option> given = EnumSet.noneOf(Option.class);
        given.addAll(values.keySet());
        // Caravan's own flags, properties and variables win over ingress-nginx's flags of the same meaning
        for (Option option : Option.values()) {
            if (values.containsKey(option)) {
                continue;
            }
            String property = properties.getProperty(option.propertyName());
            String variable = environment.get(option.environmentName());
            if (property != null) {
                values.put(option, option.check(property, option.propertyName()));
                given.add(option);
            } else if (variable != null) {
                values.put(option, option.check(variable, option.environmentName()));
                given.add(option);
            } else if (fromIngressNginx.containsKey(option)) {
                values.put(option, fromIngressNginx.get(option));
                given.add(option);
            } else if (option.defaultValue() != null) {
                values.put(option, option.defaultValue());
            }
        }
        return new CaravanOptions(values, given, warnings, notes, null, null);
    }

    /** The ConfigMap keys that keep clients out: one whose value cannot be used stops the start. */
    static final Set<String> KEEPING_CLIENTS_OUT = Set.of("whitelist-source-range", "denylist-source-range",
            "block-cidrs", "block-user-agents", "block-referers", "global-auth-url", "global-auth-method",
            "global-auth-signin", "global-auth-response-headers", "global-auth-request-redirect", "global-auth-cache-key",
            "global-auth-cache-duration", "proxy-real-ip-cidr");

    /**
     * These options with ingress-nginx's controller ConfigMap's keys as the flags they translate to, where no flag,
     * property or variable gave one: the command line wins, as over the environment.
     *
     * @param data the ConfigMap's data
     * @param log  where what came of each key is told: true for a warning
     * @throws UsageException naming every key that keeps clients out whose value Caravan's flag refuses
     */
    public CaravanOptions withIngressNginxConfigMap(Map<String, String> data, java.util.function.BiConsumer<Boolean,
            String> log) throws UsageException {
        Map<Option, String> merged = new EnumMap<>(values);
        String where = "ConfigMap " + values.get(Option.CONFIGMAP);
        List<String> refused = new java.util.ArrayList<>();
        for (IngressNginxConfigMap.Setting setting : IngressNginxConfigMap.translate(data)) {
            String key = where + ": " + setting.key();
            boolean read = setting.flagValue() != null || setting.verdict() == IngressNginxConfigMap.Verdict.INVALID;
            if (setting.option() != null && read && given.contains(setting.option())) {
                // the flag decides, whatever the key says: an unusable value of it is no reason to stop
                log.accept(false, key + " is left: --" + setting.option().flag() + " is given otherwise (a flag,"
                        + " ingress-nginx's flag of the same meaning, a system property or the environment)");
            } else if (setting.flagValue() != null && setting.option() != null) {
                merged.put(setting.option(), setting.option().check(setting.flagValue(), key));
                log.accept(setting.why() != null, key + " is taken as --" + setting.option().flag() + "="
                        + setting.flagValue() + (setting.why() == null ? "" : "; " + setting.why()));
            } else if (setting.verdict() == IngressNginxConfigMap.Verdict.INVALID
                    && KEEPING_CLIENTS_OUT.contains(setting.key())) {
                // left out, it would let in whom it keeps out: ingress-nginx's nginx would not start on it either
                refused.add(setting.key() + ": " + setting.why());
            } else {
                log.accept(!setting.verdict().asWritten(), key + ": " + setting.verdict().label() + ": "
                        + setting.why());
            }
        }
        if (!refused.isEmpty()) {
            // all of them at once: a fix of one at a time, restart after restart, would be slow going
            throw new UsageException(where + ": " + String.join("; ", refused) + ": "
                    + (refused.size() == 1 ? "it keeps" : "they keep") + " clients out, and "
                    + (refused.size() == 1 ? "is" : "are") + " not left out");
        }
        return new CaravanOptions(merged, given, ingressNginxWarnings, ingressNginxNotes, data, flagsAlone);
    }

    /** These options as they were before ingress-nginx's controller ConfigMap was read into them. */
    CaravanOptions flagsAlone() {
        return flagsAlone;
    }

    /** These options with {@code other}'s values of {@code options}. */
    CaravanOptions withValuesOf(CaravanOptions other, Set<Option> options) {
        Map<Option, String> merged = new EnumMap<>(values);
        for (Option option : options) {
            String value = other.values.get(option);
            if (value == null) {
                merged.remove(option);
            } else {
                merged.put(option, value);
            }
        }
        return new CaravanOptions(merged, given, ingressNginxWarnings, ingressNginxNotes, other.configMapRead,
                flagsAlone);
    }

    /** The value of {@code option}, as given or defaulted, or {@code null}. */
    String value(Option option) {
        return values.get(option);
    }

    /** The options whose values differ between these and {@code other}. */
    Set<Option> differing(CaravanOptions other) {
        Set<Option> differing = EnumSet.noneOf(Option.class);
        for (Option option : Option.values()) {
            if (!java.util.Objects.equals(values.get(option), other.values.get(option))) {
                differing.add(option);
            }
        }
        return differing;
    }

    /**
     * The settings of the pods' calls that every Ingress not setting them takes, as their annotations' values: so that
     * a changed ConfigMap changes them with the next compilation ({@link LiveConfigMap}). The default backend and
     * Caravan's own routes keep the values read at start.
     */
    static final Set<Option> INGRESS_DEFAULTS = EnumSet.of(Option.PROXY_BODY_SIZE, Option.PROXY_READ_TIMEOUT,
            Option.PROXY_CONNECT_TIMEOUT);

    /** What the compiler claims and falls back to, as these options say. */
    public ControllerSettings controllerSettings() {
        Map<String, String> defaults = new java.util.TreeMap<>(annotationDefaults());
        INGRESS_DEFAULTS.forEach(option -> defaults.put(option.flag(), values.get(option).trim()));
        return new ControllerSettings(ingressClass(), controllerClass(), watchIngressWithoutClass(),
                defaultBackendService(), enableSslPassthrough(), allowCrossNamespaceResources(),
                globalAllowedResponseHeaders(), addHeaders(), proxySetHeaders(), defaults, globalAuth(),
                noAuthLocations(), tcpServices(), udpServices(), !disableSvcExternalName(), disableCatchAll(),
                watchNamespaceSelector() == null ? null : LabelSelectors.parse(watchNamespaceSelector()));
    }

    /** The data of ingress-nginx's controller ConfigMap as read at start, or {@code null} when none was. */
    public Map<String, String> configMapRead() {
        return configMapRead;
    }

    /** ingress-nginx's controller ConfigMap to read at start, or {@code null}. */
    public ObjectRef configMap() {
        String value = values.get(Option.CONFIGMAP);
        return value == null ? null : ObjectRef.parse(value);
    }

    /** One of ingress-nginx's flags: as Caravan's that does the same, or told why it does nothing here. */
    private static void takeIngressNginxFlag(IngressNginxFlags.Flag flag, String value, Map<Option, String> into,
            List<String> warnings, List<String> notes) throws UsageException {
        String where = "--" + flag.name();
        if (flag.option() != null) {
            String converted;
            try {
                converted = flag.convert().apply(value);
            } catch (IllegalArgumentException e) {
                throw new UsageException(where + ": " + e.getMessage());
            }
            into.put(flag.option(), flag.option().check(converted, where));
            notes.add("ingress-nginx's " + where + "=" + value + " is taken as --" + flag.option().flag() + "="
                    + converted);
        } else if (flag.harmless(value)) {
            notes.add("ingress-nginx's " + where + " is not needed: " + flag.why());
        } else {
            warnings.add("ingress-nginx's " + where + "=" + value + " is not supported: " + flag.why());
        }
    }

    /** What came of ingress-nginx's flags that were taken as Caravan's or need nothing: for the log. */
    public List<String> ingressNginxNotes() {
        return ingressNginxNotes;
    }

    /** Checks what only a run (not --help or --version) needs. */
    public CaravanOptions requireRunnable() throws UsageException {
        if (standalone() && !manifests().toFile().isDirectory()) {
            throw new UsageException("--manifests: " + manifests() + " is not a directory");
        }
        if (kubeconfig() != null && !kubeconfig().toFile().isFile()) {
            throw new UsageException("--kubeconfig: " + kubeconfig() + " is not a file");
        }
        if (jmxPasswordFile() != null && !jmxPasswordFile().toFile().isFile()) {
            throw new UsageException("--jmx-password-file: " + jmxPasswordFile() + " is not a file");
        }
        if (eventLoops() > MAX_EVENT_LOOPS) {
            throw new UsageException("--event-loops: " + eventLoops() + " is more than " + MAX_EVENT_LOOPS);
        }
        if (standalone() && webhookPort() != 0) {
            throw new UsageException("--webhook-port: the admission webhook serves a cluster; drop it with --manifests");
        }
        if (standalone() && (kubeconfig() != null || apiserverHost() != null)) {
            throw new UsageException("--manifests runs without a cluster; drop --kubeconfig and --apiserver-host");
        }
        return this;
    }

    public static String helpText() {
        StringBuilder text = new StringBuilder("Usage: java -jar caravan.jar [--manifests DIR] [options]\n"
                + "       java -jar caravan.jar check [--ingress-class NAME] [--controller-class NAME]\n"
                + "           [--allow-cross-namespace-resources] [--global-allowed-response-headers NAMES]\n"
                + "           [--configmap NAMESPACE/NAME] FILE|DIR|-\n"
                + "         (what Caravan makes of ingress-nginx Ingresses, and of its controller ConfigMap: the flags)\n\n"
                + "Caravan serves Ingresses: those of the cluster it runs in, or with --manifests those in DIR.\n"
                + "HTTP on --http-port, HTTPS on --https-port, health on --admin-port.\n"
                + "Every option can also be set as a system property (caravan.http-port) or an\n"
                + "environment variable (CARAVAN_HTTP_PORT); the command line wins.\n\nOptions:\n");
        for (Option option : Option.values()) {
            String left = "  --" + option.flag() + (option.type() == Option.Type.FLAG ? "" : " " + metavar(option));
            text.append(String.format("%-42s %s", left, option.description()));
            if (option.defaultValue() != null && option.type() != Option.Type.FLAG) {
                text.append(" (default: ").append(option.defaultValue()).append(')');
            } else if ("true".equals(option.defaultValue())) {
                text.append(" (on; --").append(option.flag()).append("=false turns it off)");
            }
            text.append('\n');
        }
        return text.toString();
    }

    private static String metavar(Option option) {
        return switch (option.type()) {
            case PATH -> option == Option.KUBECONFIG || option == Option.JMX_PASSWORD_FILE ? "FILE" : "DIR";
            case PORT -> "PORT";
            case SECONDS -> "SECONDS";
            case SERVICE -> "NS/NAME";
            case ADDRESS -> "ADDRESS";
            case NAME_SERVERS -> "ADDRESSES";
            case LABEL_SELECTOR -> "SELECTOR";
            case DNS_NAME -> "PREFIX";
            case SIZE -> "SIZE";
            case NUMBER -> "N";
            case TLS_PROTOCOLS -> "PROTOCOLS";
            case CIPHERS -> "CIPHERS";
            case HEADER_NAMES -> "NAMES";
            case NETWORKS -> "CIDRS";
            case HEADER_NAME -> "NAME";
            case MATCHERS -> "VALUES";
            case ERROR_STATUS, REDIRECT_STATUS -> "STATUS";
            case LOG_FORMAT -> "FORMAT";
            case LOG_LEVEL -> "LEVEL";
            default -> "VALUE";
        };
    }

    public boolean help() {
        return flag(Option.HELP);
    }

    public boolean version() {
        return flag(Option.VERSION);
    }

    /** Whether Caravan serves a manifest folder rather than a cluster. */
    public boolean standalone() {
        return values.containsKey(Option.MANIFESTS);
    }

    /** The manifest folder, or {@code null} in a cluster. */
    public Path manifests() {
        return path(Option.MANIFESTS);
    }

    public Path kubeconfig() {
        return path(Option.KUBECONFIG);
    }

    public String apiserverHost() {
        return values.get(Option.APISERVER_HOST);
    }

    /** The namespace to watch, or {@code null} for all. */
    public String watchNamespace() {
        return values.get(Option.WATCH_NAMESPACE);
    }

    /** How objects are read into the cluster state: Ingresses' annotations under --annotations-prefix. */
    public UnaryOperator<HasMetadata> reading() {
        String prefix = values.get(Option.ANNOTATIONS_PREFIX).trim();
        return prefix.equals(AnnotationPrefix.DEFAULT) ? UnaryOperator.identity() : new AnnotationPrefix(prefix);
    }

    /** The label selector of the namespaces whose Ingresses are served, or {@code null} (all; standalone: all). */
    public String watchNamespaceSelector() {
        return standalone() ? null : values.get(Option.WATCH_NAMESPACE_SELECTOR);
    }

    public ObjectRef publishService() {
        return ref(Option.PUBLISH_SERVICE);
    }

    public List<String> publishStatusAddresses() {
        String value = values.get(Option.PUBLISH_STATUS_ADDRESS);
        return value == null ? List.of()
                : Arrays.stream(value.split(",")).map(String::trim).filter(a -> !a.isEmpty()).toList();
    }

    public boolean reportStatusClasses() {
        return flag(Option.REPORT_STATUS_CLASSES);
    }

    public boolean metricsPerUndefinedHost() {
        return flag(Option.METRICS_PER_UNDEFINED_HOST);
    }

    public boolean metricsPerHost() {
        return flag(Option.METRICS_PER_HOST);
    }

    public boolean updateStatus() {
        return flag(Option.UPDATE_STATUS);
    }

    public boolean disableCatchAll() {
        return flag(Option.DISABLE_CATCH_ALL);
    }

    public boolean updateStatusOnShutdown() {
        return flag(Option.UPDATE_STATUS_ON_SHUTDOWN);
    }

    public String electionId() {
        return values.get(Option.ELECTION_ID);
    }

    public Duration electionLeaseDuration() {
        return seconds(Option.ELECTION_LEASE_DURATION);
    }

    public String podNamespace() {
        return values.get(Option.POD_NAMESPACE);
    }

    /** This replica's name: {@code --pod-name}, else the host name (a pod's name in Kubernetes). */
    public String podName() {
        String name = values.get(Option.POD_NAME);
        if (name == null) {
            name = System.getenv("HOSTNAME");
        }
        if (name == null) {
            try {
                name = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                name = "caravan";
            }
        }
        return name;
    }

    private Path path(Option option) {
        String value = values.get(option);
        return value == null ? null : Path.of(value);
    }

    public Path routes() {
        return Path.of(values.get(Option.ROUTES));
    }

    public String bindAddress() {
        return values.get(Option.BIND_ADDRESS);
    }

    public int httpPort() {
        return Integer.parseInt(values.get(Option.HTTP_PORT).trim());
    }

    public int httpsPort() {
        return Integer.parseInt(values.get(Option.HTTPS_PORT).trim());
    }

    public int httpPublicPort() {
        return Integer.parseInt(values.get(Option.HTTP_PUBLIC_PORT).trim());
    }

    public int httpsRedirectPort() {
        return Integer.parseInt(values.get(Option.HTTPS_REDIRECT_PORT).trim());
    }

    /** The Secret of the default certificate, or {@code null} for a generated one. */
    public ObjectRef defaultSslCertificate() {
        return ref(Option.DEFAULT_SSL_CERTIFICATE);
    }

    /** The HTTPS listener's TLS versions, ciphers and ALPN protocols. */
    public TlsSettings tlsSettings() {
        String ciphers = values.get(Option.SSL_CIPHERS);
        return new TlsSettings(Option.list(values.get(Option.SSL_PROTOCOLS)),
                ciphers == null ? TlsSettings.DEFAULT_CIPHERS : Option.list(ciphers), flag(Option.HTTP2));
    }

    /** The access log's format, or {@code null} when it is off. */
    public AccessLog.Format accessLog() {
        return !flag(Option.ACCESS_LOG) ? null
                : values.get(Option.ACCESS_LOG_FORMAT).equals("combined") ? AccessLog.Format.COMBINED : AccessLog.Format.JSON;
    }

    /** The access log's lines as --log-format-upstream gives them, or {@code null} for --access-log-format's. */
    public LogFormat logFormat() {
        String template = values.get(Option.LOG_FORMAT_UPSTREAM);
        // as ingress-nginx's template: none wins over json
        return template == null ? null : LogFormat.parse(template, flag(Option.LOG_FORMAT_ESCAPE_NONE)
                ? LogFormat.Escape.NONE : flag(Option.LOG_FORMAT_ESCAPE_JSON) ? LogFormat.Escape.JSON
                : LogFormat.Escape.DEFAULT);
    }

    /** The level of Caravan's own log, upper case. */
    public String logLevel() {
        return values.get(Option.LOG_LEVEL).toUpperCase(Locale.ROOT);
    }

    public boolean jolokia() {
        return flag(Option.JOLOKIA);
    }

    /** The remote JMX port, or 0 for none. */
    public int jmxPort() {
        String value = values.get(Option.JMX_PORT);
        return value == null ? 0 : Integer.parseInt(value.trim());
    }

    public String jmxBindAddress() {
        return values.get(Option.JMX_BIND_ADDRESS);
    }

    /** The JMX password file, or {@code null}: remote JMX read-only. */
    public Path jmxPasswordFile() {
        return path(Option.JMX_PASSWORD_FILE);
    }

    public boolean metrics() {
        return flag(Option.METRICS);
    }

    public boolean enableSslPassthrough() {
        return flag(Option.ENABLE_SSL_PASSTHROUGH);
    }

    public boolean allowCrossNamespaceResources() {
        return flag(Option.ALLOW_CROSS_NAMESPACE_RESOURCES);
    }

    public Set<String> globalAllowedResponseHeaders() {
        String names = values.get(Option.GLOBAL_ALLOWED_RESPONSE_HEADERS);
        return names == null ? Set.of() : Set.copyOf(Option.list(names));
    }

    /** The Strict-Transport-Security value, or {@code null} when turned off. */
    public String hsts() {
        if (!flag(Option.HSTS)) {
            return null;
        }
        return "max-age=" + Integer.parseInt(values.get(Option.HSTS_MAX_AGE).trim())
                + (flag(Option.HSTS_INCLUDE_SUBDOMAINS) ? "; includeSubDomains" : "")
                + (flag(Option.HSTS_PRELOAD) ? "; preload" : "");
    }

    public int adminPort() {
        return Integer.parseInt(values.get(Option.ADMIN_PORT).trim());
    }

    /** The admission webhook's port, or 0 for none. */
    public int webhookPort() {
        String value = values.get(Option.WEBHOOK_PORT);
        return value == null ? 0 : Integer.parseInt(value.trim());
    }

    public String webhookService() {
        return values.get(Option.WEBHOOK_SERVICE);
    }

    public String webhookSecret() {
        return values.get(Option.WEBHOOK_SECRET);
    }

    public String webhookConfiguration() {
        return values.get(Option.WEBHOOK_CONFIGURATION);
    }

    public String ingressClass() {
        return values.get(Option.INGRESS_CLASS);
    }

    public String controllerClass() {
        return values.get(Option.CONTROLLER_CLASS);
    }

    public boolean watchIngressWithoutClass() {
        return flag(Option.WATCH_INGRESS_WITHOUT_CLASS);
    }

    /** The default backend Service, or {@code null}. */
    public ObjectRef defaultBackendService() {
        return ref(Option.DEFAULT_BACKEND_SERVICE);
    }

    public Duration proxyConnectTimeout() {
        return seconds(Option.PROXY_CONNECT_TIMEOUT);
    }

    /** Whether request headers whose names have an underscore are passed on rather than dropped. */
    public boolean underscoresInHeaders() {
        return flag(Option.ENABLE_UNDERSCORES_IN_HEADERS);
    }

    /** Flags given that do nothing with the others given, as in ingress-nginx: each a sentence for the log. */
    public List<String> ineffective() {
        List<String> sentences = new java.util.ArrayList<>(ingressNginxWarnings);
        if (flag(Option.COMPUTE_FULL_FORWARDED_FOR) && !flag(Option.USE_FORWARDED_HEADERS)) {
            sentences.add("--compute-full-forwarded-for does nothing without --use-forwarded-headers");
        }
        if (flag(Option.ENABLE_REAL_IP) && flag(Option.USE_PROXY_PROTOCOL) && !flag(Option.USE_FORWARDED_HEADERS)) {
            sentences.add("--enable-real-ip does nothing with --use-proxy-protocol: the PROXY header names the client"
                    + " (--use-forwarded-headers would believe " + values.get(Option.FORWARDED_FOR_HEADER).trim()
                    + " from clients the header names)");
        }
        if (values.get(Option.GLOBAL_AUTH_URL) == null && Arrays.stream(Option.values())
                .anyMatch(option -> option.type() == Option.Type.GLOBAL_AUTH && values.get(option) != null)) {
            sentences.add("the --global-auth-* flags do nothing without --global-auth-url");
        }
        if (standalone() && values.get(Option.WATCH_NAMESPACE_SELECTOR) != null) {
            sentences.add("--watch-namespace-selector does nothing with --manifests: the folder's Ingresses are served");
        }
        if (standalone() && values.get(Option.WATCH_NAMESPACE) != null) {
            sentences.add("--watch-namespace does nothing with --manifests: the folder's Ingresses are served, whatever"
                    + " their namespace");
        }
        List<String> clusterOnly = java.util.stream.Stream.of(Option.PUBLISH_SERVICE, Option.PUBLISH_STATUS_ADDRESS,
                Option.ELECTION_ID, Option.ELECTION_LEASE_DURATION, Option.UPDATE_STATUS, Option.UPDATE_STATUS_ON_SHUTDOWN)
                .filter(given::contains).map(option -> "--" + option.flag()).toList();
        if (standalone() && !clusterOnly.isEmpty()) {
            sentences.add(String.join(", ", clusterOnly) + (clusterOnly.size() == 1 ? " does" : " do")
                    + " nothing with --manifests: there is no Ingress status to write and no leader to elect");
        }
        if (!flag(Option.UPDATE_STATUS) && flag(Option.UPDATE_STATUS_ON_SHUTDOWN)) {
            sentences.add("--update-status-on-shutdown does nothing with --update-status=false: no status is written");
        }
        if (values.get(Option.RESOLVER) != null && flag(Option.DISABLE_SVC_EXTERNAL_NAME)) {
            sentences.add("--resolver does nothing with --disable-svc-external-name: no name is looked up");
        }
        if (values.get(Option.LOG_FORMAT_UPSTREAM) == null
                && (flag(Option.LOG_FORMAT_ESCAPE_JSON) || flag(Option.LOG_FORMAT_ESCAPE_NONE))) {
            sentences.add("--log-format-escape-json and --log-format-escape-none do nothing without"
                    + " --log-format-upstream");
        }
        if (values.get(Option.LOG_FORMAT_UPSTREAM) != null && flag(Option.LOG_FORMAT_ESCAPE_JSON)
                && flag(Option.LOG_FORMAT_ESCAPE_NONE)) {
            sentences.add("--log-format-escape-json does nothing with --log-format-escape-none, as in ingress-nginx");
        }
        if (configMap() != null && !standalone() && watchNamespace() != null
                && !watchNamespace().equals(configMap().namespace())) {
            sentences.add("ConfigMap " + configMap() + " (--configmap) is outside --watch-namespace " + watchNamespace()
                    + ": it is read at start only, and a change to it takes a restart");
        }
        for (ObjectRef configMap : new ObjectRef[] {addHeaders(), proxySetHeaders()}) {
            if (configMap != null && !standalone() && watchNamespace() != null
                    && !watchNamespace().equals(configMap.namespace())) {
                sentences.add("ConfigMap " + configMap + " is outside --watch-namespace " + watchNamespace()
                        + ": Caravan does not see it, and sets none of its headers");
            }
        }
        return sentences;
    }

    /** The annotation values set by flags of their names, for Ingresses that do not set them (names unprefixed). */
    public Map<String, String> annotationDefaults() {
        Map<String, String> defaults = new java.util.TreeMap<>();
        for (Option option : Option.values()) {
            if (option.type() == Option.Type.ANNOTATION_DEFAULT && values.get(option) != null) {
                defaults.put(option.flag(), values.get(option).trim());
            }
        }
        return defaults;
    }

    /** --global-auth-url and its --global-auth-* flags as the auth-* annotations they stand for; empty without it. */
    public Map<String, String> globalAuth() {
        Map<String, String> auth = new java.util.TreeMap<>();
        if (values.get(Option.GLOBAL_AUTH_URL) != null) {
            for (Option option : Option.values()) {
                if (option.type() == Option.Type.GLOBAL_AUTH && values.get(option) != null) {
                    auth.put(option.annotation(), values.get(option).trim());
                }
            }
        }
        return auth;
    }

    /** --no-auth-locations: the path prefixes where no auth-url is asked. */
    public List<String> noAuthLocations() {
        return Arrays.stream(values.get(Option.NO_AUTH_LOCATIONS).split(",")).map(String::trim)
                .filter(location -> !location.isEmpty()).toList();
    }

    /** The statuses chosen for limits and redirects. */
    public StatusCodes statusCodes() {
        return new StatusCodes(Integer.parseInt(values.get(Option.LIMIT_REQ_STATUS_CODE).trim()),
                Integer.parseInt(values.get(Option.LIMIT_CONN_STATUS_CODE).trim()),
                Integer.parseInt(values.get(Option.HTTP_REDIRECT_CODE).trim()),
                values.get(Option.CUSTOM_HTTP_ERRORS) == null ? Set.of() : Option.list(values.get(Option.CUSTOM_HTTP_ERRORS))
                        .stream().map(Integer::parseInt).collect(Collectors.toUnmodifiableSet()));
    }

    /** The global filters of requests, or {@code null} when there are none. */
    public RequestBlocks requestBlocks() {
        return RequestBlocks.of(values.get(Option.BLOCK_CIDRS), values.get(Option.BLOCK_USER_AGENTS),
                values.get(Option.BLOCK_REFERERS));
    }

    /** The ConfigMap of headers for every response, or {@code null}. */
    public ObjectRef addHeaders() {
        return ref(Option.ADD_HEADERS);
    }

    /** The ConfigMap of TCP ports relayed to Services, or {@code null}. */
    public ObjectRef tcpServices() {
        return ref(Option.TCP_SERVICES_CONFIGMAP);
    }

    /** The DNS servers of --resolver, or empty for the system's. */
    public List<InetSocketAddress> resolver() {
        String value = values.get(Option.RESOLVER);
        return value == null ? List.of() : ExternalNameResolver.nameServers(value);
    }

    public boolean allowBackendServerHeader() {
        return flag(Option.ALLOW_BACKEND_SERVER_HEADER);
    }

    public boolean enableTopologyAwareRouting() {
        return flag(Option.ENABLE_TOPOLOGY_AWARE_ROUTING);
    }

    public boolean disableSvcExternalName() {
        return flag(Option.DISABLE_SVC_EXTERNAL_NAME);
    }

    /** The ConfigMap of UDP ports relayed to Services, or {@code null}. */
    public ObjectRef udpServices() {
        return ref(Option.UDP_SERVICES_CONFIGMAP);
    }

    public int proxyStreamResponses() {
        return Integer.parseInt(values.get(Option.PROXY_STREAM_RESPONSES).trim());
    }

    public Duration proxyStreamTimeout() {
        return seconds(Option.PROXY_STREAM_TIMEOUT);
    }

    /** The ConfigMap of headers for every request to a pod, or {@code null}. */
    public ObjectRef proxySetHeaders() {
        return ref(Option.PROXY_SET_HEADERS);
    }

    /** The NAMESPACE/NAME an option names, or {@code null} when it is not given. */
    private ObjectRef ref(Option option) {
        String value = values.get(option);
        return value == null ? null : ObjectRef.parse(value);
    }

    /** What the listeners believe of load balancers in front about the client. */
    public RealIpSettings realIp() {
        boolean forwardedHeaders = flag(Option.USE_FORWARDED_HEADERS);
        boolean proxyProtocol = flag(Option.USE_PROXY_PROTOCOL);
        // as ingress-nginx: with the PROXY protocol alone, its header names the client, never a request header
        boolean realIpHeader = forwardedHeaders || flag(Option.ENABLE_REAL_IP) && !proxyProtocol;
        return new RealIpSettings(proxyProtocol, seconds(Option.PROXY_PROTOCOL_HEADER_TIMEOUT),
                Networks.parse(values.get(Option.PROXY_REAL_IP_CIDR), IpFilterRuleType.ACCEPT),
                realIpHeader, values.get(Option.FORWARDED_FOR_HEADER).trim(),
                forwardedHeaders, forwardedHeaders && flag(Option.COMPUTE_FULL_FORWARDED_FOR));
    }

    /** The global request body limit in bytes; 0 for none. */
    public long proxyBodySize() {
        return NginxSize.parse(values.get(Option.PROXY_BODY_SIZE));
    }

    public Duration upstreamKeepaliveTimeout() {
        return seconds(Option.UPSTREAM_KEEPALIVE_TIMEOUT);
    }

    /** Event-loop threads; 0 means one per available core. */
    public int eventLoops() {
        return Integer.parseInt(values.get(Option.EVENT_LOOPS).trim());
    }

    /** The most client connections open at once; 0 for no limit. */
    public int maxConnections() {
        return Integer.parseInt(values.get(Option.MAX_CONNECTIONS).trim());
    }

    public Duration upgradeGracePeriod() {
        return seconds(Option.UPGRADE_GRACE_PERIOD);
    }

    /** How long the listeners serve as usual once a stop is asked; 0 to drain at once. */
    public Duration shutdownGracePeriod() {
        return seconds(Option.SHUTDOWN_GRACE_PERIOD);
    }

    /** How long requests in flight then get to finish. */
    public Duration shutdownTimeout() {
        return seconds(Option.SHUTDOWN_TIMEOUT);
    }

    public Duration clientHeaderTimeout() {
        return seconds(Option.CLIENT_HEADER_TIMEOUT);
    }

    public Duration clientBodyTimeout() {
        return seconds(Option.CLIENT_BODY_TIMEOUT);
    }

    public Duration clientSendTimeout() {
        return seconds(Option.CLIENT_SEND_TIMEOUT);
    }

    public Duration keepAliveTimeout() {
        return seconds(Option.KEEP_ALIVE_TIMEOUT);
    }

    public Duration proxyReadTimeout() {
        return seconds(Option.PROXY_READ_TIMEOUT);
    }

    private Duration seconds(Option option) {
        return Duration.ofSeconds(Integer.parseInt(values.get(option).trim()));
    }

    private boolean flag(Option option) {
        return Boolean.parseBoolean(values.get(option));
    }
}

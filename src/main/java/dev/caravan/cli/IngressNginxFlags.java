package dev.caravan.cli;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ingress-nginx's controller flags that Caravan has no flag of that name for, so that the args of an ingress-nginx
 * Deployment start Caravan: each is taken as Caravan's flag that does the same (in Caravan's form), or accepted and
 * said to do nothing here and why. Pure: parsing tells what comes of each.
 */
final class IngressNginxFlags {

    /**
     * One flag of ingress-nginx's.
     *
     * @param bool       whether it is a boolean, which takes no value unless written {@code --flag=value}
     * @param option     Caravan's flag it becomes, or {@code null}
     * @param convert    its value in Caravan's form, for {@code option}
     * @param asCaravan  the values that ask for what Caravan does anyway: accepted without a warning
     * @param why        what Caravan does instead, when it has no such flag
     */
    record Flag(String name, boolean bool, Option option, UnaryOperator<String> convert, Set<String> asCaravan,
            String why) {

        /** Whether a value asks for nothing Caravan does not do anyway (a boolean as Go reads it: "0" is "false"). */
        boolean harmless(String value) {
            if (asCaravan == null || asCaravan.contains(value.trim())) {
                return true;
            }
            try {
                return bool && asCaravan.contains(IngressNginxConfigMap.bool(value));
            } catch (IllegalArgumentException notBoolean) {
                return false;
            }
        }
    }

    private static final Map<String, Flag> FLAGS = new HashMap<>();
    private static final Pattern GO_DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");

    private static void mapped(String name, boolean bool, Option option, UnaryOperator<String> convert) {
        FLAGS.put(name, new Flag(name, bool, option, convert, null, null));
    }

    /** A flag for what Caravan does without one, whatever its value. */
    private static void notNeeded(String name, boolean bool, String why) {
        FLAGS.put(name, new Flag(name, bool, null, null, null, why));
    }

    /** A flag for what Caravan does not have: warned of unless its value is one of {@code asCaravan}. */
    private static void notSupported(String name, boolean bool, Set<String> asCaravan, String why) {
        FLAGS.put(name, new Flag(name, bool, null, null, asCaravan, why));
    }

    static {
        mapped("enable-metrics", true, Option.METRICS, IngressNginxConfigMap::bool);
        mapped("healthz-port", false, Option.ADMIN_PORT, String::trim);
        mapped("election-ttl", false, Option.ELECTION_LEASE_DURATION, IngressNginxFlags::electionTtl);
        // ingress-nginx's webhook registration calls another path with another CA: Caravan's has its own
        // (k8s/base/admission.yaml, --webhook-port); taking the port alone would answer that registration wrongly
        String webhook = "Caravan's admission webhook is --webhook-port with its own registration and certificate"
                + " (k8s/base/admission.yaml): remove ingress-nginx's ValidatingWebhookConfiguration, whose calls"
                + " Caravan does not answer";
        notSupported("validating-webhook", false, Set.of(""), webhook);
        notSupported("validating-webhook-certificate", false, Set.of(""), webhook);
        notSupported("validating-webhook-key", false, Set.of(""), webhook);
        for (String buckets : new String[] {"time-buckets", "length-buckets", "size-buckets", "bucket-factor",
            "max-buckets"}) {
            notNeeded(buckets, false, "the request metrics' buckets are Prometheus's defaults, as ingress-nginx's");
        }
        // klog's verbosity: 5 is ingress-nginx's debug level
        mapped("v", false, Option.LOG_LEVEL, IngressNginxFlags::logLevel);
        for (String klog : new String[] {"logtostderr", "alsologtostderr", "add_dir_header", "skip_headers",
            "skip_log_headers", "one_output"}) {
            notNeeded(klog, true, "a flag of Go's logging: Caravan logs to stderr, at --log-level");
        }
        for (String klog : new String[] {"stderrthreshold", "log_dir", "log_file", "log_file_max_size", "vmodule",
            "log_backtrace_at"}) {
            notNeeded(klog, false, "a flag of Go's logging: Caravan logs to stderr, at --log-level");
        }
        notSupported("maxmind-license-key", false, Set.of(""), "Caravan has no GeoIP databases");
        notSupported("maxmind-mirror", false, Set.of(""), "Caravan has no GeoIP databases");
        for (String maxmind : new String[] {"maxmind-edition-ids", "maxmind-retries-count", "maxmind-retries-timeout"}) {
            notNeeded(maxmind, false, "Caravan has no GeoIP databases to download");
        }
        String internalPort = "a port of nginx's own processes: Caravan has none";
        for (String port : new String[] {"status-port", "stream-port", "default-server-port", "profiler-port",
            "ssl-passthrough-proxy-port"}) {
            notNeeded(port, false, internalPort);
        }
        notNeeded("profiler-address", false, internalPort);
        notNeeded("internal-logger-address", false, "nginx's internal syslog: Caravan logs to stdout and stderr");
        notNeeded("profiling", true, "Go's profiler: use JFR (jcmd PID JFR.start) or JMX");
        notNeeded("sync-period", false, "Caravan follows every change as it comes");
        notNeeded("sync-rate-limit", false, "Caravan applies changes without reloading, as they come");
        notNeeded("dynamic-configuration-retries", false, "Caravan applies changes without reloading, as they come");
        notNeeded("monitor-max-batch-size", false, "Caravan counts requests in process, not in batches from nginx");
        notNeeded("exclude-socket-metrics", false, "Caravan counts requests in process: no socket metrics to leave out");
        notNeeded("disable-full-test", true, "Caravan's admission webhook judges an Ingress alone, as Caravan would");
        notNeeded("deep-inspect", true, "Caravan reads no configuration snippets at all");
        notNeeded("enable-annotation-validation", true, "Caravan checks every annotation, always");
        notNeeded("post-shutdown-grace-period", false, "Caravan stops once its connections are done"
                + " (--shutdown-grace-period, --shutdown-timeout)");
        notNeeded("health-check-timeout", false, "the kubelet's probe timeout is the one that counts");
        notNeeded("status-update-interval", false, "the leader checks Ingress status every 2 s");
        notSupported("health-check-path", false, Set.of("/healthz"), "Caravan's health check is /healthz");
        notSupported("healthz-host", false, Set.of(""), "the admin port listens on --bind-address");
        notSupported("enable-ssl-chain-completion", true, Set.of("false"),
                "certificates are served with the chain their Secret has; put the intermediates in tls.crt");
        notSupported("disable-sync-events", true, Set.of("false"), "the leader records Sync Events on Ingresses");
        notSupported("disable-leader-election", true, Set.of("false"),
                "replicas elect a leader, which alone writes status and Events");
        notSupported("report-node-internal-ip-address", true, Set.of("false"),
                "a NodePort --publish-service publishes its nodes' external addresses, else their internal ones");
        notSupported("ingress-class-by-name", true, Set.of("false"),
                "an IngressClass is ours by its spec.controller (--controller-class)");
        notSupported("certificate-authority", false, Set.of(""),
                "the API server's CA comes from the service account or --kubeconfig");
    }

    private IngressNginxFlags() {
    }

    /** ingress-nginx's flag of this name, or {@code null}. */
    static Flag of(String name) {
        return FLAGS.get(name);
    }

    /** ingress-nginx's --election-ttl: whole seconds, rounded up; none or less is its 30 s. */
    private static String electionTtl(String value) {
        double seconds = goDuration(value);
        return seconds <= 0 ? "30" : Long.toString((long) Math.ceil(seconds));
    }

    /** A Go duration ({@code 30s}, {@code 1m30s}, {@code 1.5m}) as whole seconds, rounded up, at least 1. */
    static String seconds(String value) {
        return Long.toString(Math.max(1, (long) Math.ceil(goDuration(value))));
    }

    /** A Go duration in seconds. */
    private static double goDuration(String value) {
        String text = value.trim();
        if (text.equals("0")) {
            return 0;
        }
        Matcher part = GO_DURATION_PART.matcher(text);
        double seconds = 0;
        int end = 0;
        while (part.find() && part.start() == end) {
            double amount = Double.parseDouble(part.group(1));
            seconds += amount * switch (part.group(2)) {
                case "h" -> 3600;
                case "m" -> 60;
                case "s" -> 1;
                case "ms" -> 1e-3;
                case "us", "µs" -> 1e-6;
                default -> 1e-9;
            };
            end = part.end();
        }
        if (text.isEmpty() || end != text.length()) {
            throw new IllegalArgumentException("'" + value + "' is not a duration (30s, 1m30s)");
        }
        return seconds;
    }

    /** klog's verbosity as a log level: 5 and above debug, as ingress-nginx's troubleshooting guide has it. */
    private static String logLevel(String value) {
        try {
            return Integer.parseInt(value.trim()) >= 5 ? "debug" : "info";
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + value + "' is no verbosity (0-10)");
        }
    }

    /** Whether an argument is the program ingress-nginx's Deployment names first, which Caravan's image runs instead. */
    static boolean isIngressNginxProgram(String arg) {
        return arg.equals("/nginx-ingress-controller") || arg.endsWith("/nginx-ingress-controller");
    }

    /** The port of an address ({@code :8443}, {@code 0.0.0.0:8443}). */
    private static String port(String value) {
        String text = value.trim();
        int colon = text.lastIndexOf(':');
        if (colon < 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("'" + value + "' is no address with a port (:8443)");
        }
        return text.substring(colon + 1);
    }
}

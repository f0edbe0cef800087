package dev.caravan;

import dev.caravan.cli.CaravanOptions;
import dev.caravan.cli.CheckCommand;
import dev.caravan.cli.UsageException;
import dev.caravan.source.ConfigMapReader;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.netty.channel.unix.Errors;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** The command line: {@code java -jar caravan.jar --manifests DIR [options]}. */
public final class CaravanMain {

    /** How long the JVM's shutdown waits for Caravan's own, after the routes stopped. */
    private static final long STOP_WAIT_SECONDS = 20;
    private static final String LEAK_SAMPLING = "io.netty.leakDetection.samplingInterval";
    private static final String RESTRICTED_HEADERS = "jdk.httpclient.allowRestrictedHeaders";

    private CaravanMain() {
    }

    public static void main(String[] args) throws Exception {
        // Netty tracks one buffer in 128 for leaks, and each tracked buffer costs a stack trace: 5 % of the
        // proxy's CPU per request in bench/proxy. A leak repeats, so one in 4,096 still reports it. Set before
        // any Netty class reads it; an operator's own setting wins.
        if (System.getProperty(LEAK_SAMPLING) == null) {
            System.setProperty(LEAK_SAMPLING, "4096");
        }
        // mirror-host sets the Host of request copies, which the JDK's HTTP client refuses unless told before its
        // first use
        if (System.getProperty(RESTRICTED_HEADERS) == null) {
            System.setProperty(RESTRICTED_HEADERS, "host");
        }
        if (args.length > 0 && args[0].equals("check")) {
            System.exit(new CheckCommand(System.out, System.err)
                    .run(Arrays.asList(args).subList(1, args.length), System.in));
            return;
        }
        CaravanOptions options;
        try {
            options = CaravanOptions.parse(args, System.getProperties(), System.getenv());
            if (options.help()) {
                System.out.print(CaravanOptions.helpText());
                return;
            }
            if (options.version()) {
                System.out.println("caravan " + version());
                return;
            }
            options.requireRunnable();
            Configurator.setRootLevel(Level.valueOf(options.logLevel()));
            if (options.configMap() != null) {
                try {
                    options = withConfigMap(options).requireRunnable();
                    Configurator.setRootLevel(Level.valueOf(options.logLevel()));
                } catch (IOException | KubernetesClientException e) {
                    // not started on defaults instead: its keys may be the ones that keep clients out
                    Throwable cause = e;
                    while (cause.getCause() != null) {
                        cause = cause.getCause();
                    }
                    System.err.println("caravan: --configmap: cannot read ConfigMap " + options.configMap() + ": "
                            + e.getMessage() + (cause == e ? "" : " (" + cause + ")"));
                    System.exit(1);
                    return;
                }
            }
        } catch (UsageException e) {
            System.err.println("caravan: " + e.getMessage());
            System.exit(2);
            return;
        }
        // as nginx: a client may not make the server renegotiate (a cheap way to make it work hard)
        if (System.getProperty("jdk.tls.rejectClientInitiatedRenegotiation") == null) {
            System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
        }
        // On SIGTERM the JVM halts once its shutdown hooks return; Camel's returns when the routes have stopped,
        // while this thread still closes the listeners and writes the last access-log lines. This hook waits.
        CountDownLatch stopped = new CountDownLatch(1);
        // the drain (grace period, then requests in flight) runs meanwhile, in Camel's hook: waited for whole
        long waitSeconds = Caravan.shutdownSeconds(options) + STOP_WAIT_SECONDS;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                stopped.await(waitSeconds, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "caravan-stop"));
        int exitCode = 0;
        try {
            new Caravan(options).run();
        } catch (Exception e) {
            System.err.println("caravan: " + startupFailure(e, options));
            exitCode = 1;
        } finally {
            // Log4j's own shutdown hook is off, so that Caravan's shutdown is logged to the end
            LogManager.shutdown();
            stopped.countDown();
        }
        if (exitCode != 0) {
            System.exit(exitCode);
        }
    }

    /**
     * The options with ingress-nginx's controller ConfigMap read into them: from the manifests folder standalone,
     * else from the API server. One that does not exist (yet) leaves the flags as they are, said so.
     */
    public static CaravanOptions withConfigMap(CaravanOptions options) throws IOException, UsageException {
        Logger log = LoggerFactory.getLogger(CaravanMain.class);
        log.info("Reading ConfigMap {} (--configmap){}", options.configMap(), options.standalone()
                ? " from " + options.manifests() : "");
        Map<String, String> data = options.standalone()
                ? ConfigMapReader.fromFolder(options.manifests(), options.configMap())
                : ConfigMapReader.fromCluster(options.kubeconfig(), options.apiserverHost(), options.configMap());
        if (data == null) {
            log.warn("ConfigMap {} (--configmap) not found: Caravan starts with its flags alone", options.configMap());
            return options;
        }
        CaravanOptions read = options.withIngressNginxConfigMap(data, (warn, sentence) -> {
            if (warn) {
                log.warn("{}", sentence);
            } else {
                log.info("{}", sentence);
            }
        });
        log.info("ConfigMap {} read: where Caravan watches its namespace, a change to its keys of Ingress annotations"
                + " is served as it comes, one to the others takes a restart (kubectl rollout restart)",
                options.configMap());
        return read;
    }

    /** One line for a failure to start, naming the address when a port is taken. */
    static String startupFailure(Throwable failure, CaravanOptions options) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            // the JDK's sockets say BindException; epoll's say which system call failed
            if (cause instanceof BindException
                    || cause instanceof Errors.NativeIoException && String.valueOf(cause.getMessage()).startsWith("bind(")) {
                List<String> taken = takenPorts(options);
                return "cannot listen on " + options.bindAddress() + (taken.isEmpty() ? " (HTTP port "
                        + options.httpPort() + ", HTTPS port " + options.httpsPort() + ", admin port "
                        + options.adminPort() + (options.jmxPort() == 0 ? "" : ", JMX port " + options.jmxPort())
                        + ", or a port of a route in " + options.routes() + ")"
                        : ": " + String.join(", ", taken) + " in use by another process") + ": " + cause.getMessage();
            }
        }
        Throwable root = failure;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return "could not start: " + root;
    }

    /** Caravan's own ports another process listens on now (one still stopping, say), as flag and number. */
    private static List<String> takenPorts(CaravanOptions options) {
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("--http-port", options.httpPort());
        ports.put("--https-port", options.httpsPort());
        ports.put("--admin-port", options.adminPort());
        if (options.webhookPort() != 0) {
            ports.put("--webhook-port", options.webhookPort());
        }
        List<String> taken = new ArrayList<>();
        ports.forEach((flag, port) -> {
            try (ServerSocket probe = new ServerSocket()) {
                probe.setReuseAddress(true);
                probe.bind(new InetSocketAddress(options.bindAddress(), port));
            } catch (IOException inUse) {
                taken.add(flag + " " + port);
            }
        });
        return taken;
    }

    static String version() {
        String version = CaravanMain.class.getPackage().getImplementationVersion();
        return version == null ? "development build" : version;
    }
}

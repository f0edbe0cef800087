package dev.caravan.bench;

import com.sun.net.httpserver.HttpServer;
import dev.caravan.testing.ClusterObjects;
import dev.caravan.testing.FreePorts;
import dev.caravan.testing.MockApiServer;
import dev.caravan.testing.TestCertificates;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPathBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackendBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressTLSBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Caravan at scale, as a benchmark (not a test). For each N: N Ingresses (one host, {@code /} Prefix),
 * N Services and N EndpointSlices in fabric8's mock API server (CRUD mode, in this JVM, its watches starting
 * at the version listed, as a real API server's do); Caravan's jar started against it in its own JVM, with
 * the image's JVM flags and a class-data archive made as the Dockerfile makes it. Measures the time from
 * process start to {@code /readyz} 200, the heap in use after a full GC, the full-compile time (the
 * RoutingTable MBean's last compile duration, over remote JMX) and change propagation: from writing one
 * Ingress edit through the API to the first response from the new rule, polled with back-to-back HTTP
 * requests to Caravan's loopback listener.
 *
 * <p>Two real backends on loopback answer {@code a} and {@code b}. The Services of the edited Ingresses
 * have {@code a} as their pod (the others point to 10.x addresses that are never requested); an edit
 * either turns the {@code /} rule's backend to Service {@code edit-b} ("backend") or adds a path
 * {@code /v2} to {@code edit-b} on the host ("path"), and the poll waits for {@code b}.
 *
 * <p>Run it with {@code bench/scale}; {@code CARAVAN_JAVA_OPTS} adds options to Caravan's JVM (a JFR
 * recording, say).
 */
public final class ScaleBench {

    private static final ObjectName ROUTING_TABLE = objectName("org.apache.camel:context=caravan,type=services,name=RoutingTable");
    private static final Duration READY_WITHIN = Duration.ofMinutes(5);
    private static final Duration EDIT_WITHIN = Duration.ofSeconds(10);
    /** The edits of one N stop here even if fewer than asked for are done, so a slow build cannot run for hours. */
    private static final Duration EDITS_WITHIN = Duration.ofMinutes(4);
    private static final int FULL_COMPILES = 5;
    /** Made by bench/scale as the Dockerfile makes the image's. */
    private static final Path TRAINED_ARCHIVE = Path.of("target", "bench-caravan.jsa");
    private static final String JMX_PASSWORD = "bench-" + Long.toHexString(new java.util.Random().nextLong());
    /** Held so that its level stays set: the mock logs every request at INFO, which would cost more than serving it. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    private record Edit(String kind, double millis, double writeMillis, double compileMillis) {
    }

    private record Result(int count, double populateSeconds, double readySeconds, double readyCpuSeconds,
            double heapMiB, double fullCompileMillis, List<Edit> edits, String failure) {

        /** A size that could not be measured (Caravan out of memory, say); the other sizes still run. */
        static Result failed(int count, Exception cause) {
            return new Result(count, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, List.of(),
                    cause.toString());
        }
    }

    /** Whether each Ingress has a TLS Secret of its own, as with cert-manager's ingress-shim. */
    private static boolean tls;

    private ScaleBench() {
    }

    public static void main(String[] args) throws Exception {
        int[] counts = Arrays.stream((args.length > 0 ? args[0] : "1000,10000,40000").split(","))
                .mapToInt(Integer::parseInt).toArray();
        int edits = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        String heap = args.length > 2 ? args[2] : "512m";
        tls = args.length > 3 && args[3].equals("tls");
        // the polls name the Ingress host on a loopback connection, as a client behind DNS would
        System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
        // the pods write head and body apart: without this, Nagle and delayed ACKs add 40 ms to every other poll
        System.setProperty("sun.net.httpserver.nodelay", "true");
        List<Result> results = new ArrayList<>();
        HttpServer a = backend("127.0.0.2", "a");
        HttpServer b = backend("127.0.0.3", "b");
        try {
            for (int count : counts) {
                try {
                    results.add(measure(count, Math.min(edits, count), heap, a.getAddress(), b.getAddress()));
                } catch (Exception e) {
                    System.out.println("failed at " + count + ": " + e);
                    results.add(Result.failed(count, e));
                }
            }
        } finally {
            a.stop(0);
            b.stop(0);
        }
        print(results, heap);
    }

    /** A pod that answers every request with its name. */
    private static HttpServer backend(String ip, String name) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(ip, 0), 128);
        byte[] body = name.getBytes(StandardCharsets.UTF_8);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.setExecutor(Executors.newFixedThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "pod-" + name);
            thread.setDaemon(true);
            return thread;
        }));
        server.start();
        return server;
    }

    private static Result measure(int count, int edits, String heap, InetSocketAddress a, InetSocketAddress b)
            throws Exception {
        System.out.printf("== %,d Ingresses%n", count);
        try (MockApiServer api = MockApiServer.started().watchingFromVersion()) {
            int[] edited = IntStream.range(0, edits).map(k -> (int) ((long) k * count / edits)).toArray();
            long populating = System.nanoTime();
            populate(api, count, edited, a, b);
            double populateSeconds = (System.nanoTime() - populating) / 1e9;
            System.out.printf("populated %,d Ingresses, Services and EndpointSlices in %.1f s%n", count, populateSeconds);
            awaitQuiet();
            return run(api, count, edited, heap, populateSeconds);
        }
    }

    private static void populate(MockApiServer api, int count, int[] edited, InetSocketAddress a,
            InetSocketAddress b) {
        boolean[] onA = new boolean[count];
        for (int i : edited) {
            onA[i] = true;
        }
        TestCertificates.Issued certificate = tls ? new TestCertificates().issue("*.example.com") : null;
        List<HasMetadata> objects = new ArrayList<>(List.of(ClusterObjects.ingressClass(),
                ClusterObjects.service("edit-b"), slice("edit-b", b)));
        for (int i = 0; i < count; i++) {
            String name = "app-" + i;
            objects.add(ClusterObjects.service(name));
            // unroutable pods for the Ingresses no request goes to: distinct addresses, as in a cluster
            objects.add(slice(name, onA[i] ? a : new InetSocketAddress(
                    "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255), 8080)));
            Ingress ingress = ClusterObjects.ingress(name, host(i), "/", name);
            if (tls) {
                // one certificate, in Secrets of their own: each is read and made ready to serve on its own
                objects.add(tlsSecret(name + "-tls", certificate));
                // the edits are polled over plain HTTP
                ingress.getMetadata().setAnnotations(Map.of("nginx.ingress.kubernetes.io/ssl-redirect", "false"));
                ingress.getSpec().setTls(List.of(new IngressTLSBuilder().withHosts(host(i)).withSecretName(name + "-tls")
                        .build()));
            }
            objects.add(ingress);
        }
        api.preload(objects);
    }

    /**
     * Waits until this JVM (the mock API server's) is done with the populate step's aftermath: its collector and JIT
     * went on using a core for a second or more after it, which Caravan's start-up then shared. Quiet means under a
     * tenth of a core for a quarter of a second; waits at most 10 s.
     */
    private static void awaitQuiet() throws InterruptedException {
        System.gc();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        long window = Duration.ofMillis(250).toNanos();
        while (System.nanoTime() < deadline) {
            long cpuBefore = ownCpuNanos();
            long before = System.nanoTime();
            Thread.sleep(window / 1_000_000);
            if (ownCpuNanos() - cpuBefore < (System.nanoTime() - before) / 10) {
                return;
            }
        }
    }

    private static long ownCpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }

    private static Secret tlsSecret(String name, TestCertificates.Issued certificate) {
        Base64.Encoder base64 = Base64.getEncoder();
        return new SecretBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withType("kubernetes.io/tls")
                .addToData("tls.crt", base64.encodeToString(certificate.certificatePem().getBytes(StandardCharsets.US_ASCII)))
                .addToData("tls.key", base64.encodeToString(certificate.keyPem().getBytes(StandardCharsets.US_ASCII)))
                .build();
    }

    private static String host(int i) {
        return "app-" + i + ".example.com";
    }

    private static EndpointSlice slice(String service, InetSocketAddress pod) {
        return new EndpointSliceBuilder().withNewMetadata().withName(service + "-1").withNamespace("default")
                .addToLabels("kubernetes.io/service-name", service).endMetadata().withAddressType("IPv4")
                .addNewPort().withName("http").withPort(pod.getPort()).endPort()
                .addNewEndpoint().withAddresses(pod.getAddress().getHostAddress())
                .withNewConditions().withReady(true).endConditions().endEndpoint().build();
    }

    private static Result run(MockApiServer api, int count, int[] edited, String heap, double populateSeconds)
            throws Exception {
        int httpPort = FreePorts.next();
        int adminPort = FreePorts.next();
        int jmxPort = FreePorts.next();
        Path log = Path.of("target", "bench-scale-" + count + ".log");
        Files.createDirectories(Path.of("target", "no-routes"));
        // remote JMX without a login is read-only; the bench invokes recompile
        Path passwords = Path.of("target", "bench-jmx.password");
        Files.writeString(passwords, "bench " + JMX_PASSWORD + "\n");
        Files.setPosixFilePermissions(passwords, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        List<String> command = new ArrayList<>(List.of(javaBin()));
        command.addAll(imageJvmFlags());
        command.add("-Xmx" + heap);
        String extra = System.getenv("CARAVAN_JAVA_OPTS");
        if (extra != null && !extra.isBlank()) {
            command.addAll(Arrays.asList(extra.trim().split("\\s+")));
        }
        command.addAll(List.of("-jar", Path.of("target", "caravan.jar").toString(),
                "--apiserver-host", api.url(), "--bind-address", "127.0.0.1",
                "--http-port", String.valueOf(httpPort), "--https-port", String.valueOf(FreePorts.next()),
                "--admin-port", String.valueOf(adminPort), "--jmx-port", String.valueOf(jmxPort),
                "--jmx-password-file", passwords.toString(),
                "--routes", "target/no-routes", "--pod-name", "bench"));
        Process caravan = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long started = System.nanoTime();
        try {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(2)).build();
            awaitReady(http, caravan, adminPort, started, log);
            double readySeconds = (System.nanoTime() - started) / 1e9;
            // the CPU Caravan spent to get there, all threads (the JIT's too): less at the mercy of the host
            // and of the mock API server sharing its cores than the wall-clock time is
            double readyCpuSeconds = caravan.toHandle().info().totalCpuDuration().map(d -> d.toMillis() / 1e3)
                    .orElse(Double.NaN);
            System.out.printf("ready in %.2f s (%.2f s of CPU)%n", readySeconds, readyCpuSeconds);
            try (JMXConnector jmx = JMXConnectorFactory.connect(new JMXServiceURL(
                    "service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi"),
                    Map.of(JMXConnector.CREDENTIALS, new String[] {"bench", JMX_PASSWORD}))) {
                MBeanServerConnection mbeans = jmx.getMBeanServerConnection();
                awaitCompilerIdle(mbeans);
                double heapMiB = heapAfterGc(caravan.pid());
                double[] full = new double[FULL_COMPILES];
                for (int i = 0; i < FULL_COMPILES; i++) {
                    mbeans.invoke(ROUTING_TABLE, "recompile", null, null);
                    full[i] = lastCompileMillis(mbeans);
                }
                Arrays.sort(full);
                System.out.printf("full compiles (recompile, from scratch): %s ms%n", Arrays.toString(full));
                List<Edit> edits = edit(api.client(), http, mbeans, httpPort, edited);
                return new Result(count, populateSeconds, readySeconds, readyCpuSeconds, heapMiB, full[FULL_COMPILES / 2], edits,
                        null);
            }
        } finally {
            caravan.destroy();
            if (!caravan.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                caravan.destroyForcibly().waitFor();
            }
        }
    }

    private static void awaitReady(HttpClient http, Process caravan, int adminPort, long started, Path log)
            throws Exception {
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/readyz"))
                .timeout(Duration.ofSeconds(2)).build();
        while (true) {
            if (!caravan.isAlive()) {
                throw new IllegalStateException("Caravan exited; see " + log);
            }
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (System.nanoTime() - started > READY_WITHIN.toNanos()) {
                throw new IllegalStateException("not ready within " + READY_WITHIN + "; see " + log);
            }
            Thread.sleep(20);
        }
    }

    /**
     * Waits until no compilation has finished for a second (at most a minute): one still running at ready (states
     * that arrived during the sync) would otherwise count its garbage as heap in use.
     */
    private static void awaitCompilerIdle(MBeanServerConnection mbeans) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        Object last = mbeans.getAttribute(ROUTING_TABLE, "LastCompileTime");
        while (System.nanoTime() < deadline) {
            Thread.sleep(1000);
            Object now = mbeans.getAttribute(ROUTING_TABLE, "LastCompileTime");
            if (now.equals(last)) {
                return;
            }
            last = now;
        }
    }

    /**
     * Edits one Ingress at a time and times it until Caravan answers from the new rule. Each edit starts once
     * the previous one's compilation has finished (its listeners included), so each is one change alone.
     */
    private static List<Edit> edit(KubernetesClient client, HttpClient http, MBeanServerConnection mbeans,
            int httpPort, int[] edited) throws Exception {
        List<Edit> done = new ArrayList<>();
        long deadline = System.nanoTime() + EDITS_WITHIN.toNanos();
        for (int k = 0; k < edited.length && System.nanoTime() < deadline; k++) {
            int i = edited[k];
            boolean addPath = k % 2 == 1;
            String path = addPath ? "/v2" : "/";
            HttpRequest poll = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                    .header("Host", host(i)).timeout(Duration.ofSeconds(2)).build();
            String before = body(http, poll);
            if (!"a".equals(before)) {
                throw new IllegalStateException(host(i) + path + " answers " + before + " before its edit, not a");
            }
            Ingress ingress = client.network().v1().ingresses().inNamespace("default").withName("app-" + i).get();
            var rule = ingress.getSpec().getRules().get(0).getHttp();
            var toB = new IngressBackendBuilder().withNewService().withName("edit-b").withNewPort().withName("http")
                    .endPort().endService().build();
            if (addPath) {
                rule.getPaths().add(new HTTPIngressPathBuilder().withPath("/v2").withPathType("Prefix")
                        .withBackend(toB).build());
            } else {
                rule.getPaths().get(0).setBackend(toB);
            }
            String compiledBefore = (String) mbeans.getAttribute(ROUTING_TABLE, "LastCompileTime");
            long writing = System.nanoTime();
            client.resource(ingress).update();
            double writeMillis = (System.nanoTime() - writing) / 1e6;
            String answer = body(http, poll);
            while (!"b".equals(answer)) {
                if (System.nanoTime() - writing > EDIT_WITHIN.toNanos()) {
                    throw new IllegalStateException(host(i) + path + " still answers " + answer + " " + EDIT_WITHIN
                            + " after its edit");
                }
                answer = body(http, poll);
            }
            double millis = (System.nanoTime() - writing) / 1e6;
            while (compiledBefore.equals(mbeans.getAttribute(ROUTING_TABLE, "LastCompileTime"))) {
                Thread.sleep(1);
            }
            done.add(new Edit(addPath ? "path" : "backend", millis, writeMillis, lastCompileMillis(mbeans)));
        }
        return done;
    }

    /** The response body, or the status line's code in brackets for anything but 200. */
    private static String body(HttpClient http, HttpRequest request) throws Exception {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        return response.statusCode() == 200 ? response.body() : "[" + response.statusCode() + "]";
    }

    private static double lastCompileMillis(MBeanServerConnection mbeans) throws Exception {
        return (Double) mbeans.getAttribute(ROUTING_TABLE, "LastCompileDurationMillis");
    }

    /**
     * The JVM flags of the Dockerfile's ENTRYPOINT, its class-data archive replaced by the one bench/scale
     * made the same way: the start-up measured is the image's.
     */
    private static List<String> imageJvmFlags() throws IOException {
        if (!Files.isRegularFile(TRAINED_ARCHIVE)) {
            // without it the JVM would only warn, and start-up would be measured slower than the image's
            throw new IllegalStateException(TRAINED_ARCHIVE + " is missing: run the bench with bench/scale");
        }
        String entrypoint = Files.readAllLines(Path.of("Dockerfile")).stream()
                .filter(line -> line.startsWith("ENTRYPOINT")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no ENTRYPOINT in the Dockerfile"));
        List<String> words = Arrays.asList(new com.fasterxml.jackson.databind.ObjectMapper()
                .readValue(entrypoint.substring("ENTRYPOINT".length()), String[].class));
        List<String> flags = new ArrayList<>();
        for (String flag : words.subList(1, words.indexOf("-jar"))) {
            flags.add(flag.startsWith("-XX:SharedArchiveFile=") ? "-XX:SharedArchiveFile=" + TRAINED_ARCHIVE : flag);
        }
        return flags;
    }

    private static double heapAfterGc(long pid) throws Exception {
        jcmd(pid, "GC.run");
        String info = jcmd(pid, "GC.heap_info");
        // G1 prints one line for the heap, the parallel collector (the image's) one per generation
        Matcher used = Pattern.compile("(?:garbage-first heap|PSYoungGen|ParOldGen)\\s+total \\d+K, used (\\d+)K")
                .matcher(info);
        long kib = 0;
        boolean found = false;
        while (used.find()) {
            kib += Long.parseLong(used.group(1));
            found = true;
        }
        if (!found) {
            throw new IllegalStateException("no heap figure in: " + info);
        }
        return kib / 1024.0;
    }

    private static String jcmd(long pid, String command) throws Exception {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(pid), command).redirectErrorStream(true).start();
        String output = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        jcmd.waitFor();
        return output;
    }

    private static void print(List<Result> results, String heap) {
        System.out.printf("%nCaravan -Xmx%s%s; change = one Ingress edit written to the API until the first response"
                + " from the new rule%n", heap, tls ? ", each Ingress with a TLS Secret of its own" : "");
        System.out.println("| N | populate | ready | CPU to ready | heap after GC | full compile (median of " + FULL_COMPILES
                + ") | edits | change p50 | change p99 | change max | API write p50 / p99 | after the write p50 / p99"
                + " | compile per edit p50 / p99 |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (Result r : results) {
            if (r.failure() != null) {
                System.out.printf("| %,d | failed: %s |%n", r.count(), r.failure());
                continue;
            }
            double[] all = r.edits().stream().mapToDouble(Edit::millis).sorted().toArray();
            double[] writes = r.edits().stream().mapToDouble(Edit::writeMillis).sorted().toArray();
            // what Caravan takes once the API server has the edit: watch delivery, compilation, swap, first answer
            double[] after = r.edits().stream().mapToDouble(e -> e.millis() - e.writeMillis()).sorted().toArray();
            double[] compiles = r.edits().stream().mapToDouble(Edit::compileMillis).sorted().toArray();
            System.out.printf("| %,d | %.1f s | %.2f s | %.1f s | %.0f MiB | %.0f ms | %d | %.0f ms | %.0f ms | %.0f ms"
                    + " | %.0f / %.0f ms | %.0f / %.0f ms | %.1f / %.1f ms |%n", r.count(), r.populateSeconds(),
                    r.readySeconds(), r.readyCpuSeconds(), r.heapMiB(), r.fullCompileMillis(), all.length, percentile(all, 50),
                    percentile(all, 99), all.length == 0 ? Double.NaN : all[all.length - 1], percentile(writes, 50),
                    percentile(writes, 99), percentile(after, 50), percentile(after, 99), percentile(compiles, 50),
                    percentile(compiles, 99));
        }
        System.out.println();
        System.out.println("| N | kind | edits | p50 | p99 |");
        System.out.println("|---|---|---|---|---|");
        for (Result r : results) {
            for (String kind : List.of("backend", "path")) {
                double[] times = r.edits().stream().filter(e -> e.kind().equals(kind)).mapToDouble(Edit::millis)
                        .sorted().toArray();
                System.out.printf("| %,d | %s | %d | %.0f ms | %.0f ms |%n", r.count(), kind, times.length,
                        percentile(times, 50), percentile(times, 99));
            }
        }
    }

    /** Nearest-rank percentile of sorted values. */
    private static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.max(0, (int) Math.ceil(p / 100 * sorted.length) - 1)];
    }

    private static ObjectName objectName(String name) {
        try {
            return new ObjectName(name);
        } catch (javax.management.MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}

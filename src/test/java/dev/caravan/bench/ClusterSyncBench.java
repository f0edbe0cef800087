package dev.caravan.bench;

import dev.caravan.testing.FreePorts;
import dev.caravan.testing.ClusterObjects;
import dev.caravan.testing.MockApiServer;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

/**
 * Initial sync at scale, as a benchmark (not a test): N Ingresses, N Services and N EndpointSlices
 * in fabric8's mock API server, then Caravan's jar started against it in its own JVM. Reports the time
 * from process start to {@code /readyz} 200 and the heap in use after a full GC.
 *
 * <p>Run it with {@code bench/cluster-sync N}.
 */
public final class ClusterSyncBench {

    private ClusterSyncBench() {
    }

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        String heap = args.length > 1 ? args[1] : "512m";
        try (MockApiServer api = MockApiServer.started()) {
            long populating = System.nanoTime();
            populate(api.client(), count);
            System.out.printf("populated %d Ingresses, Services and EndpointSlices in %.1f s%n", count,
                    (System.nanoTime() - populating) / 1e9);
            run(api.url(), count, heap);
        }
    }

    private static void populate(KubernetesClient client, int count) throws Exception {
        client.resource(ClusterObjects.ingressClass()).create();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Object>> work = IntStream.range(0, count).mapToObj(i -> pool.submit(() -> {
                String name = "app-" + i;
                client.resource(ClusterObjects.service(name)).create();
                client.resource(slice(name, i)).create();
                Ingress ingress = ClusterObjects.ingress(name, name + ".example.com", "/", name);
                return (Object) client.resource(ingress).create();
            })).toList();
            for (Future<Object> done : work) {
                done.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    private static io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice slice(String service, int i) {
        return new io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder().withNewMetadata()
                .withName(service + "-1").withNamespace("default")
                .addToLabels("kubernetes.io/service-name", service).endMetadata().withAddressType("IPv4")
                .addNewPort().withName("http").withPort(8080).endPort()
                .addNewEndpoint().withAddresses("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255))
                .withNewConditions().withReady(true).endConditions().endEndpoint().build();
    }

    private static void run(String apiUrl, int count, String heap) throws Exception {
        int httpPort = FreePorts.next();
        int adminPort = FreePorts.next();
        Path jar = Path.of("target", "caravan.jar");
        Path log = Path.of("target", "bench-cluster-sync.log");
        Process caravan = new ProcessBuilder(javaBin(), "-Xmx" + heap, "-jar", jar.toString(),
                "--apiserver-host", apiUrl, "--bind-address", "127.0.0.1", "--http-port", String.valueOf(httpPort),
                "--admin-port", String.valueOf(adminPort), "--routes", "target/no-routes", "--pod-name", "bench")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long started = System.nanoTime();
        try {
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/readyz"))
                    .timeout(Duration.ofSeconds(2)).build();
            while (true) {
                if (!caravan.isAlive()) {
                    throw new IllegalStateException("Caravan exited; see " + log);
                }
                try {
                    if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        break;
                    }
                } catch (IOException notYet) {
                    // not listening yet
                }
                if (System.nanoTime() - started > Duration.ofMinutes(5).toNanos()) {
                    throw new IllegalStateException("not ready within 5 minutes; see " + log);
                }
                Thread.sleep(50);
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            String heapInfo = jcmd(caravan.pid(), "GC.run") + jcmd(caravan.pid(), "GC.heap_info");
            System.out.printf("objects: %d Ingresses + %d Services + %d EndpointSlices%n", count, count, count);
            System.out.printf("time from process start to /readyz 200: %.2f s (-Xmx%s)%n", seconds, heap);
            System.out.println("heap after full GC:");
            heapInfo.lines().filter(l -> l.contains("used") || l.contains("total")).forEach(System.out::println);
        } finally {
            caravan.destroy();
            caravan.waitFor();
        }
    }

    private static String jcmd(long pid, String command) throws Exception {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(pid), command).redirectErrorStream(true).start();
        String output = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        jcmd.waitFor();
        return output;
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

}

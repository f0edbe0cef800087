package dev.caravan.testing;

import static org.awaitility.Awaitility.await;

import dev.caravan.Caravan;
import dev.caravan.CaravanMain;
import dev.caravan.cli.CaravanOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A whole Caravan, started in-process on free loopback ports over a temporary manifest folder. */
public final class CaravanHarness implements AutoCloseable {

    private final Path manifests;
    private final Caravan caravan;
    private final int httpPort;
    private final int httpsPort;
    private final int adminPort;

    private CaravanHarness(Path manifests, List<String> args, boolean awaitReady) throws Exception {
        this.manifests = manifests;
        this.httpPort = FreePorts.next();
        this.httpsPort = FreePorts.next();
        this.adminPort = FreePorts.next();
        List<String> all = new ArrayList<>(List.of("--bind-address", "127.0.0.1",
                "--http-port", String.valueOf(httpPort), "--https-port", String.valueOf(httpsPort),
                "--admin-port", String.valueOf(adminPort), "--shutdown-grace-period", "0",
                "--routes", "target/no-routes"));
        if (manifests != null) {
            all.addAll(List.of("--manifests", manifests.toString()));
        }
        all.addAll(args);
        CaravanOptions options = CaravanOptions.parse(all.toArray(String[]::new), new Properties(), Map.of());
        if (options.configMap() != null) {
            // as the command line starts it
            options = CaravanMain.withConfigMap(options);
        }
        caravan = new Caravan(options);
        caravan.start();
        if (awaitReady) {
            await().atMost(Duration.ofSeconds(15)).until(() -> caravan.readiness().ready());
        }
    }

    /** Starts Caravan on {@code manifests}, which the test has filled already. */
    public static CaravanHarness start(Path manifests, String... args) throws Exception {
        return new CaravanHarness(manifests, List.of(args), true);
    }

    /** Starts Caravan in cluster mode against an API server (its URL among the arguments), once ready. */
    public static CaravanHarness startInCluster(String... args) throws Exception {
        return new CaravanHarness(null, List.of(args), true);
    }

    /** Starts Caravan in cluster mode and returns at once, ready or not. */
    public static CaravanHarness startInClusterUnready(String... args) throws Exception {
        return new CaravanHarness(null, List.of(args), false);
    }

    public int httpPort() {
        return httpPort;
    }

    public int httpsPort() {
        return httpsPort;
    }

    public int adminPort() {
        return adminPort;
    }

    public Caravan caravan() {
        return caravan;
    }

    /** Writes a manifest file as editors and kubectl do: whole, then moved into place. */
    public void write(String file, String content) {
        write(manifests, file, content);
    }

    public static void write(Path folder, String file, String content) {
        try {
            Path target = folder.resolve(file);
            Path temp = folder.resolve("." + file + ".tmp");
            Files.writeString(temp, content, StandardCharsets.UTF_8);
            // a distinct modification time even when two writes fall in one clock tick
            FileTime previous = Files.exists(target) ? Files.getLastModifiedTime(target) : FileTime.fromMillis(0);
            long now = Math.max(System.currentTimeMillis(), previous.toMillis() + 1000);
            Files.setLastModifiedTime(temp, FileTime.fromMillis(now));
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void delete(String file) throws IOException {
        Files.delete(manifests.resolve(file));
    }

    public RawHttp.Response get(String host, String path) throws IOException {
        return RawHttp.get(httpPort, host, path);
    }

    /** Waits (up to 5 s) until a GET of host and path gives a response that satisfies the condition. */
    public RawHttp.Response awaitResponse(String host, String path, Predicate<RawHttp.Response> condition) {
        RawHttp.Response[] last = new RawHttp.Response[1];
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> {
            last[0] = get(host, path);
            return condition.test(last[0]);
        });
        return last[0];
    }

    /** The value of a series on the admin port's /metrics now: see {@link #metric(String, String, String)}. */
    public double metric(String name, String labels) throws IOException {
        RawHttp.Response response = RawHttp.get(adminPort, "localhost", "/metrics");
        if (response.status() != 200) {
            throw new AssertionError("/metrics answered " + response.status());
        }
        return metric(response.text(), name, labels);
    }

    /** The value of the series of {@code name} whose labels include {@code labels} (in Prometheus's order). */
    public static double metric(String metrics, String name, String labels) {
        Pattern line = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$", Pattern.MULTILINE);
        Matcher matcher = line.matcher(metrics);
        while (matcher.find()) {
            String found = matcher.group(1) == null ? "" : matcher.group(1);
            if (labels == null || found.contains(labels)) {
                return Double.parseDouble(matcher.group(2));
            }
        }
        throw new AssertionError("no series " + name + (labels == null ? "" : " with " + labels));
    }

    @Override
    public void close() throws Exception {
        caravan.stop();
    }
}

package dev.caravan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.caravan.testing.FreePorts;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real entry point in a real JVM: exit codes and what lands on stdout and stderr. */
class CommandLineTest {

    record Run(int exitCode, String stdout, String stderr) {
    }

    private static Run run(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CaravanMain.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void unknownFlagIsOneLineOnStderrAndExitCode2() throws Exception {
        Run run = run("--manifests", "examples", "--colour", "blue");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.stderr()).isEqualTo("caravan: unknown option --colour (see --help)\n");
    }

    @Test
    void ingressNginxsConfigMapAmongTheManifestsIsReadIntoTheFlags(@TempDir Path manifests) throws Exception {
        Files.writeString(manifests.resolve("controller.yaml"), """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: ingress-nginx-controller
                  namespace: ingress-nginx
                data:
                  http-redirect-code: "301"
                  use-gzip: "true"
                  proxy-connect-timeout: "soon"
                """);
        // read, then the start stops at a port taken: what came of each key is in the log
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Run run = run("--manifests", manifests.toString(), "--configmap", "ingress-nginx/ingress-nginx-controller",
                    "--bind-address", "127.0.0.1", "--http-port", Integer.toString(taken.getLocalPort()),
                    "--https-port", Integer.toString(FreePorts.next()), "--admin-port", Integer.toString(FreePorts.next()));
            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.stderr()).contains("ConfigMap ingress-nginx/ingress-nginx-controller: http-redirect-code is"
                    + " taken as --http-redirect-code=301").contains("use-gzip: not supported")
                    // as ingress-nginx, a value that cannot be used leaves the default, warned
                    .containsPattern("WARN .*proxy-connect-timeout: invalid");
        }
    }

    @Test
    void badValueIsExitCode2() throws Exception {
        Run run = run("--manifests", "examples", "--admin-port", "-1");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.stderr()).isEqualTo("caravan: --admin-port: '-1' is not a port (1-65535)\n");
    }

    @Test
    void aTakenPortIsOneLineNamingThePortAndExitCode1() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Run run = run("--manifests", "examples", "--bind-address", "127.0.0.1",
                    "--http-port", Integer.toString(taken.getLocalPort()),
                    "--https-port", Integer.toString(FreePorts.next()), "--admin-port", Integer.toString(FreePorts.next()));
            assertThat(run.exitCode()).isEqualTo(1);
            // the port taken named, among Caravan's own
            assertThat(run.stderr()).contains("caravan: cannot listen on 127.0.0.1: --http-port " + taken.getLocalPort()
                    + " in use by another process").contains("Address already in use");
            // the HTTPS port taken once the HTTP one is listened on: that one is let go first, and not named
            int http = FreePorts.next();
            Run https = run("--manifests", "examples", "--bind-address", "127.0.0.1", "--http-port", Integer.toString(http),
                    "--https-port", Integer.toString(taken.getLocalPort()), "--admin-port", Integer.toString(FreePorts.next()));
            assertThat(https.exitCode()).isEqualTo(1);
            assertThat(https.stderr()).contains("caravan: cannot listen on 127.0.0.1: --https-port " + taken.getLocalPort()
                    + " in use by another process").doesNotContain("--http-port");
        }
    }

    @Test
    void onSigtermTheRequestsCutShortAreStillLogged(@TempDir Path manifests) throws Exception {
        TestBackend slow = TestBackend.start("127.0.0.2", "slow");
        slow.delay(10_000);
        int http = FreePorts.next();
        int admin = FreePorts.next();
        Files.writeString(manifests.resolve("slow.yaml"), String.join("---\n", Manifests.ingressClass(),
                Manifests.service("slow", slow), Manifests.ingress("slow", "slow.example.test", "/", "slow")));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CaravanMain.class.getName(),
                "--manifests", manifests.toString(), "--bind-address", "127.0.0.1", "--http-port", Integer.toString(http),
                // not the repository's routes/: their demo backend's port and audit log are the user's
                "--routes", manifests.resolve("no-routes").toString(),
                "--https-port", Integer.toString(FreePorts.next()), "--admin-port", Integer.toString(admin),
                "--shutdown-grace-period", "0", "--shutdown-timeout", "1"));
        Process caravan = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (slow; Socket client = new Socket()) {
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> RawHttp.get(admin, "localhost", "/readyz").status() == 200);
            client.connect(new InetSocketAddress("127.0.0.1", http));
            client.getOutputStream().write("GET /cut HTTP/1.1\r\nHost: slow.example.test\r\nX-Request-ID: cut-1\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            await().atMost(Duration.ofSeconds(10)).until(() -> slow.seen().stream().anyMatch(s -> s.uri().equals("/cut")));
            caravan.toHandle().destroy(); // SIGTERM; Process.destroy would close our end of its stdout too
            assertThat(caravan.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String accessLog = new String(caravan.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(accessLog).contains("\"request_id\":\"cut-1\"");
        } finally {
            caravan.destroyForcibly();
        }
    }

    @Test
    void helpAndVersionExitZero() throws Exception {
        Run help = run("--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.stdout()).startsWith("Usage: java -jar caravan.jar [--manifests DIR] [options]");
        Run version = run("--version");
        assertThat(version.exitCode()).isZero();
        assertThat(version.stdout()).startsWith("caravan ");
    }
}

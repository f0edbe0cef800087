package dev.caravan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.FreePorts;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

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
    void badValueIsExitCode2() throws Exception {
        Run run = run("--manifests", "examples", "--admin-port", "-1");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.stderr()).isEqualTo("caravan: --admin-port: '-1' is not a port (1-65535)\n");
    }

    @Test
    void aTakenPortIsOneLineNamingThePortsAndExitCode1() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Run run = run("--manifests", "examples", "--bind-address", "127.0.0.1",
                    "--http-port", Integer.toString(taken.getLocalPort()),
                    "--https-port", Integer.toString(FreePorts.next()), "--admin-port", Integer.toString(FreePorts.next()));
            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.stderr()).contains("caravan: cannot listen on 127.0.0.1 (HTTP port " + taken.getLocalPort())
                    .contains("Address already in use");
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

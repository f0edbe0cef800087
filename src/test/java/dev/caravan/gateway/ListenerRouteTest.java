package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The listener is a Camel route: operators suspend and resume it over JMX, and that governs the proxy path too. */
class ListenerRouteTest {

    @TempDir
    Path manifests;

    @Test
    void suspendingTheListenerRouteOverJmxAnswers503UntilResumed() throws Exception {
        try (TestBackend pod = TestBackend.start("127.0.0.2", "pod")) {
            write(manifests, "all.yaml", Manifests.ingressClass() + "---\n" + Manifests.service("svc", pod) + "---\n"
                    + Manifests.ingress("app", "app.example.com", "/", "svc"));
            try (CaravanHarness caravan = CaravanHarness.start(manifests)) {
                assertThat(caravan.get("app.example.com", "/").status()).isEqualTo(200);
                MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
                ObjectName route = jmx.queryNames(
                        new ObjectName("org.apache.camel:type=routes,name=\"listener-http\",*"), null)
                        .iterator().next();

                jmx.invoke(route, "suspend", null, null);
                assertThat(jmx.getAttribute(route, "State")).isEqualTo("Suspended");
                assertThat(caravan.get("app.example.com", "/").status()).isEqualTo(503);
                assertThat(caravan.get("unknown.example.com", "/").status()).isEqualTo(503);
                // the replica leaves its Service meanwhile, rather than answer 503 to what the balancer sends
                RawHttp.Response readiness = RawHttp.get(caravan.adminPort(), "localhost", "/readyz");
                assertThat(readiness.status()).isEqualTo(503);
                assertThat(readiness.text()).contains("HTTP listener serving");

                jmx.invoke(route, "resume", null, null);
                assertThat(caravan.get("app.example.com", "/").text()).isEqualTo("pod");
                assertThat(RawHttp.get(caravan.adminPort(), "localhost", "/readyz").status()).isEqualTo(200);
            }
        }
    }
}

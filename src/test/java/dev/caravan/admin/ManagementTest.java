package dev.caravan.admin;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.TestBackend;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Caravan's MBeans through the platform MBean server: attributes read, every operation invoked and its effect on traffic. */
class ManagementTest {

    @TempDir
    static Path manifests;
    static TestBackend a;
    static TestBackend b;
    static CaravanHarness caravan;
    static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();
    static ObjectName routingTable;
    static ObjectName backends;

    @BeforeAll
    static void start() throws Exception {
        a = TestBackend.start("127.0.0.2", "a");
        b = TestBackend.start("127.0.0.3", "b");
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", a, b),
                Manifests.ingress("shop", "shop.example.test", "/cart", "svc"),
                Manifests.ingress("blog", "blog.example.test", "/", "svc"),
                Manifests.ingress("broken", "broken.example.test", "/", "svc",
                        java.util.Map.of("nginx.ingress.kubernetes.io/server-snippet", "return 200;"))));
        caravan = CaravanHarness.start(manifests);
        String context = caravan.caravan().camelContext().getManagementName();
        routingTable = Management.name(caravan.caravan().camelContext(), "RoutingTable");
        backends = Management.name(caravan.caravan().camelContext(), "Backends");
        assertThat(routingTable.getKeyProperty("context")).isEqualTo(context);
    }

    @AfterAll
    static void stop() throws Exception {
        caravan.close();
        a.close();
        b.close();
    }

    @Test
    void theRoutingTableIsReadable() throws Exception {
        assertThat((Long) JMX.getAttribute(routingTable, "Version")).isPositive();
        assertThat(JMX.getAttribute(routingTable, "Serving")).isEqualTo(true);
        // the snippet Ingress's host stays, its path answering 503
        assertThat(JMX.getAttribute(routingTable, "Hosts")).isEqualTo(3);
        assertThat(JMX.getAttribute(routingTable, "Rules")).isEqualTo(3);
        assertThat((String[]) JMX.getAttribute(routingTable, "RejectedIngresses")).singleElement().asString()
                .startsWith("default/broken: RefusedAnnotation");
        assertThat((String) JMX.getAttribute(routingTable, "LastCompileTime")).isNotEmpty();
        assertThat((Double) JMX.getAttribute(routingTable, "LastCompileDurationMillis")).isPositive();

        String dump = (String) JMX.invoke(routingTable, "dump", null, null);
        assertThat(dump).contains("shop.example.test\n  Prefix /cart -> default/svc:80 [127.0.0.2:" + a.port()
                + ", 127.0.0.3:" + b.port() + "] (Ingress default/shop)\n  (other paths) -> the default backend"
                + " (Ingress default/shop)\n");
        assertThat(dump).contains("default backend: built-in 404");
        // a Prefix / rule leaves no other path to list
        assertThat(dump).containsPattern("blog.example.test\n  Prefix / -> [^\n]*\n(?!  \\(other paths\\))");
        String[] signature = {String.class.getName(), String.class.getName()};
        assertThat(JMX.invoke(routingTable, "lookup", new Object[] {"SHOP.example.test", "/cart/items"}, signature))
                .asString().startsWith("Prefix /cart -> default/svc:80");
        // as the gateway reads a request: the Host's port, the query and dot segments are no part of it
        assertThat(JMX.invoke(routingTable, "lookup", new Object[] {"SHOP.example.test:8080", "/x/../cart/items?a=1"},
                signature)).asString().startsWith("Prefix /cart -> default/svc:80");
        assertThat(JMX.invoke(routingTable, "lookup", new Object[] {"shop.example.test", "/other"}, signature))
                .isEqualTo("no rule matches: 404 from the built-in default backend, under the annotations of Ingress"
                        + " default/shop");
        assertThat(JMX.invoke(routingTable, "lookup", new Object[] {"nowhere.example.test", "/"}, signature))
                .isEqualTo("no rule matches: 404 from the built-in default backend");
        // a rule whose requests get 503 says so, rather than name a backend they never reach
        assertThat(JMX.invoke(routingTable, "lookup", new Object[] {"broken.example.test", "/"}, signature))
                .asString().startsWith("Prefix / -> default/svc:80").contains("(Ingress default/broken); denied: 503");
        assertThat(JMX.invoke(routingTable, "recompile", null, null)).asString().contains("3 Ingresses");
    }

    @Test
    void anIngressCanBeTakenOutOfServiceAndPutBack() throws Exception {
        String[] signature = {String.class.getName(), String.class.getName()};
        assertThat(caravan.get("blog.example.test", "/").status()).isEqualTo(200);
        long before = (Long) JMX.getAttribute(routingTable, "Version");
        assertThat(JMX.invoke(routingTable, "disableIngress", new Object[] {"default", "blog"}, signature))
                .isEqualTo("disabled default/blog");
        // a table of its own: those who follow changes by version tell it apart
        assertThat((Long) JMX.getAttribute(routingTable, "Version")).isGreaterThan(before);
        assertThat(caravan.get("blog.example.test", "/").status()).isEqualTo(404);
        assertThat((String[]) JMX.getAttribute(routingTable, "DisabledIngresses")).containsExactly("default/blog");
        assertThat(caravan.get("shop.example.test", "/cart").status()).isEqualTo(200);
        assertThat(JMX.invoke(routingTable, "enableIngress", new Object[] {"default", "blog"}, signature))
                .isEqualTo("enabled default/blog");
        assertThat(caravan.get("blog.example.test", "/").status()).isEqualTo(200);
    }

    @Test
    void anEndpointThatKeepsFailingIsEjected() throws Exception {
        int dead;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.4"))) {
            dead = socket.getLocalPort();
        }
        write(manifests, "flaky.yaml", String.join("---\n",
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: flaky\nspec:\n  ports:\n    - name: http\n      port: 80\n",
                Manifests.slice("flaky-live", "flaky", "127.0.0.2", a.port(), true),
                Manifests.slice("flaky-dead", "flaky", "127.0.0.4", dead, true),
                Manifests.ingress("flaky", "flaky.example.test", "/", "flaky")));
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                .until(() -> caravan.get("flaky.example.test", "/").status() == 200);
        // every request succeeds (the refused connect is retried on the live pod), and the dead one is ejected
        for (int i = 0; i < 8; i++) {
            assertThat(caravan.get("flaky.example.test", "/").text()).isEqualTo("a");
        }
        assertThat((String[]) JMX.getAttribute(backends, "Backends")).anySatisfy(line -> assertThat(line)
                .startsWith("default/flaky:80").contains("127.0.0.4:" + dead + " ejected"));
        assertThat(caravan.caravan().metrics().scrape()).containsPattern("caravan_upstream_ejections_total [1-9]");
        java.nio.file.Files.delete(manifests.resolve("flaky.yaml"));
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                .until(() -> JMX.getAttribute(routingTable, "Hosts").equals(3));
    }

    @Test
    void aDrainedEndpointGetsNoNewRequests() throws Exception {
        String[] signature = {String.class.getName()};
        String endpointA = "127.0.0.2:" + a.port();
        String endpointB = "127.0.0.3:" + b.port();
        assertThat(JMX.invoke(backends, "drain", new Object[] {endpointA}, signature)).isEqualTo("drained " + endpointA);
        Set<String> answered = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            answered.add(caravan.get("blog.example.test", "/").text());
        }
        assertThat(answered).containsExactly("b");
        assertThat((String[]) JMX.getAttribute(backends, "Backends")).anySatisfy(line -> assertThat(line)
                .startsWith("default/svc:80").contains(endpointA + " drained").contains(endpointB + " ready"));

        JMX.invoke(backends, "drain", new Object[] {endpointB}, signature);
        assertThat(caravan.get("blog.example.test", "/").status()).as("every endpoint drained").isEqualTo(503);

        JMX.invoke(backends, "undrain", new Object[] {endpointA}, signature);
        JMX.invoke(backends, "undrain", new Object[] {endpointB}, signature);
        answered.clear();
        for (int i = 0; i < 10; i++) {
            answered.add(caravan.get("blog.example.test", "/").text());
        }
        assertThat(answered).containsExactlyInAnyOrder("a", "b");
        assertThat((String[]) JMX.getAttribute(backends, "DrainedEndpoints")).isEmpty();
        assertThat((String[]) JMX.getAttribute(backends, "Backends")).anySatisfy(line -> assertThat(line)
                .startsWith("default/svc:80").containsPattern(endpointB + " ready requests=\\d+ errors=0"));
        assertThatThrownBy(() -> JMX.invoke(backends, "drain", new Object[] {"not-an-endpoint"}, signature))
                .hasStackTraceContaining("expected IP:PORT");
        // a typo drains nothing that runs, and says so
        assertThat(JMX.invoke(backends, "drain", new Object[] {"127.0.0.99:1"}, signature))
                .isEqualTo("drained 127.0.0.99:1 (no backend has it now: it takes no requests once one does)");
        JMX.invoke(backends, "undrain", new Object[] {"127.0.0.99:1"}, signature);
    }
}

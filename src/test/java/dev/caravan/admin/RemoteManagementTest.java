package dev.caravan.admin;

import dev.caravan.testing.FreePorts;
import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Remote JMX over a real RMI connector on loopback, and JMX over HTTP with Jolokia: reads pass, changes need a login. */
class RemoteManagementTest {

    @TempDir
    Path manifests;

    @Test
    void remoteJmxWithoutAPasswordFileReadsButChangesNothing() throws Exception {
        try (TestBackend pod = TestBackend.start("127.0.0.2", "pod")) {
            manifests(pod);
            int port = FreePorts.next();
            try (CaravanHarness caravan = CaravanHarness.start(manifests, "--jmx-port", String.valueOf(port));
                    JMXConnector connector = JMXConnectorFactory.connect(url(port))) {
                MBeanServerConnection jmx = connector.getMBeanServerConnection();
                ObjectName table = Management.name(caravan.caravan().camelContext(), "RoutingTable");
                assertThat(jmx.getAttribute(table, "Hosts")).isEqualTo(1);
                assertThatThrownBy(() -> jmx.invoke(table, "disableIngress", new Object[] {"default", "app"},
                        new String[] {String.class.getName(), String.class.getName()}))
                        .isInstanceOf(SecurityException.class).hasMessageContaining("read-only");
                ObjectName route = jmx.queryNames(new ObjectName("org.apache.camel:type=routes,name=\"listener-http\",*"),
                        null).iterator().next();
                assertThatThrownBy(() -> jmx.invoke(route, "suspend", null, null)).isInstanceOf(SecurityException.class);
                assertThat(caravan.get("app.example.test", "/").status()).isEqualTo(200);
            }
        }
    }

    @Test
    void remoteJmxWithAPasswordFileNeedsALoginAndThenActs() throws Exception {
        try (TestBackend pod = TestBackend.start("127.0.0.2", "pod")) {
            manifests(pod);
            Path passwords = Files.writeString(manifests.resolveSibling("jmx-" + System.nanoTime() + ".password"),
                    "operator s3cret\n");
            int port = FreePorts.next();
            try (CaravanHarness caravan = CaravanHarness.start(manifests, "--jmx-port", String.valueOf(port),
                    "--jmx-password-file", passwords.toString())) {
                assertThatThrownBy(() -> JMXConnectorFactory.connect(url(port)).close())
                        .isInstanceOf(SecurityException.class);
                try (JMXConnector connector = JMXConnectorFactory.connect(url(port),
                        Map.of(JMXConnector.CREDENTIALS, new String[] {"operator", "s3cret"}))) {
                    MBeanServerConnection jmx = connector.getMBeanServerConnection();
                    ObjectName table = Management.name(caravan.caravan().camelContext(), "RoutingTable");
                    jmx.invoke(table, "disableIngress", new Object[] {"default", "app"},
                            new String[] {String.class.getName(), String.class.getName()});
                    assertThat(caravan.get("app.example.test", "/").status()).isEqualTo(404);
                    // a login still never creates MBeans (which would load code)
                    assertThatThrownBy(() -> jmx.createMBean("javax.management.timer.Timer",
                            new ObjectName("caravan.test:type=Timer"))).isInstanceOf(SecurityException.class);
                }
            } finally {
                Files.deleteIfExists(passwords);
            }
        }
    }

    @Test
    void jolokiaReadsOverHttpAndRefusesWritesAndOperations() throws Exception {
        try (TestBackend pod = TestBackend.start("127.0.0.2", "pod")) {
            manifests(pod);
            try (CaravanHarness caravan = CaravanHarness.start(manifests, "--jolokia")) {
                String context = caravan.caravan().camelContext().getManagementName();
                ObjectMapper json = new ObjectMapper();
                JsonNode read = json.readTree(RawHttp.get(caravan.adminPort(), "localhost",
                        "/jolokia/read/org.apache.camel:context=" + context + ",type=services,name=RoutingTable/Hosts").text());
                assertThat(read.get("status").asInt()).isEqualTo(200);
                assertThat(read.get("value").asInt()).isEqualTo(1);

                JsonNode exec = json.readTree(RawHttp.get(caravan.adminPort(), "localhost",
                        "/jolokia/exec/org.apache.camel:context=" + context
                                + ",type=services,name=RoutingTable/disableIngress/default/app").text());
                assertThat(exec.get("status").asInt()).isEqualTo(403);
                String route = "org.apache.camel:context=" + context + ",type=routes,name=%22listener-http%22";
                try (RawHttp http = new RawHttp(caravan.adminPort())) {
                    String body = "{\"type\":\"exec\",\"mbean\":\"" + route.replace("%22", "\\\"") + "\",\"operation\":\"suspend\"}";
                    http.send("POST /jolokia HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                            + "Content-Length: " + body.length() + "\r\n\r\n" + body);
                    assertThat(json.readTree(http.read(false).text()).get("status").asInt()).isEqualTo(403);
                }
                // a GET's path is percent-decoded, as a servlet's: a quoted route name reads, an escaped type is
                // still what it is
                JsonNode quoted = json.readTree(RawHttp.get(caravan.adminPort(), "localhost",
                        "/jolokia/read/" + route + "/State").text());
                assertThat(quoted.get("status").asInt()).as("%s", quoted).isEqualTo(200);
                assertThat(quoted.get("value").asText()).isEqualTo("Started");
                assertThat(json.readTree(RawHttp.get(caravan.adminPort(), "localhost",
                        "/jolokia/%65xec/" + route + "/suspend").text()).get("status").asInt()).isEqualTo(403);
                assertThat(caravan.get("app.example.test", "/").status()).isEqualTo(200);
                // the request in the query's p, as Jolokia takes it when the path has none, is checked the same
                assertThat(json.readTree(RawHttp.get(caravan.adminPort(), "localhost",
                        "/jolokia/?p=/notification/register").text()).get("status").asInt()).isEqualTo(403);
                assertThat(json.readTree(RawHttp.get(caravan.adminPort(), "localhost",
                        "/jolokia/?p=/exec/" + route + "/suspend").text()).get("status").asInt()).isEqualTo(403);
                JsonNode pathInQuery = json.readTree(RawHttp.get(caravan.adminPort(), "localhost",
                        "/jolokia/?p=/read/java.lang:type=Memory/Verbose").text());
                assertThat(pathInQuery.get("status").asInt()).as("%s", pathInQuery).isEqualTo(200);
                JsonNode write = json.readTree(RawHttp.get(caravan.adminPort(), "localhost",
                        "/jolokia/write/java.lang:type=Memory/Verbose/true").text());
                assertThat(write.get("status").asInt()).isEqualTo(403);
                // notifications would keep state per request: refused, by GET and by POST
                assertThat(json.readTree(RawHttp.get(caravan.adminPort(), "localhost",
                        "/jolokia/notification/register").text()).get("status").asInt()).isEqualTo(403);
                try (RawHttp http = new RawHttp(caravan.adminPort())) {
                    String body = "[{\"type\":\"read\",\"mbean\":\"java.lang:type=Memory\"},{\"type\":\"NOTIFICATION\","
                            + "\"command\":\"register\"}]";
                    http.send("POST /jolokia HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                            + "Content-Length: " + body.length() + "\r\n\r\n" + body);
                    assertThat(json.readTree(http.read(false).text()).get("status").asInt()).isEqualTo(403);
                }
                // the JVM's command line and system properties are not for HTTP
                JsonNode properties = json.readTree(RawHttp.get(caravan.adminPort(), "localhost",
                        "/jolokia/read/java.lang:type=Runtime/SystemProperties").text());
                assertThat(properties.get("status").asInt()).isEqualTo(403);
                assertThat(caravan.get("app.example.test", "/").status()).isEqualTo(200);
            }
        }
    }

    @Test
    void jolokiaIsOffUnlessAskedFor() throws Exception {
        try (TestBackend pod = TestBackend.start("127.0.0.2", "pod")) {
            manifests(pod);
            try (CaravanHarness caravan = CaravanHarness.start(manifests)) {
                assertThat(RawHttp.get(caravan.adminPort(), "localhost", "/jolokia/version").status()).isEqualTo(404);
            }
        }
    }

    private void manifests(TestBackend pod) {
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                Manifests.ingress("app", "app.example.test", "/", "svc")));
    }

    private static JMXServiceURL url(int port) throws Exception {
        return new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi");
    }

}

package dev.caravan.extension;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.LogCapture;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.Consumer;
import org.apache.camel.ServiceStatus;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.support.service.ServiceHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The routes folder: each file owns its routes; a bad file is reported and moves nothing; reloads lose nothing. */
class RouteFolderTest {

    private static final Duration RELOAD = Duration.ofSeconds(10);

    @TempDir
    Path manifests;
    @TempDir
    Path routes;
    TestBackend pod;
    CaravanHarness caravan;

    private static String answering(String id, String answer) {
        return """
                - route:
                    id: %s
                    from:
                      uri: direct:%s
                      steps:
                        - setBody:
                            constant: "%s"
                """.formatted(id, id, answer);
    }

    @BeforeEach
    void start() throws Exception {
        Files.writeString(routes.resolve("greeter.yaml"), answering("greeter", "v1"));
        Files.writeString(routes.resolve("other.yaml"), answering("other", "other"));
        // broken at start: Caravan starts anyway, without it
        Files.writeString(routes.resolve("broken.yaml"), "- route:\n    from: [this is not a route\n");
        // route ids of Caravan's own routes and of another file are not to be had
        Files.writeString(routes.resolve("hijack.yaml"), answering("listener-http", "mine"));
        Files.writeString(routes.resolve("twin.yaml"), answering("other", "twin"));
        // no id: named after its file and place
        Files.writeString(routes.resolve("anonymous.yaml"), """
                - route:
                    from:
                      uri: direct:anonymous
                      steps:
                        - setBody:
                            constant: "anonymous"
                """);
        // left for an operator to start: readiness does not wait for it
        Files.writeString(routes.resolve("dormant.yaml"), """
                - route:
                    id: dormant
                    autoStartup: false
                    from:
                      uri: direct:dormant
                      steps:
                        - setBody:
                            constant: "dormant"
                """);
        // .yml is YAML too, and XML is Camel's XML DSL
        Files.writeString(routes.resolve("short.yml"), answering("short", "yml"));
        Files.writeString(routes.resolve("xml.xml"), """
                <routes xmlns="http://camel.apache.org/schema/xml-io">
                  <route id="xml">
                    <from uri="direct:xml"/>
                    <setBody><constant>xml</constant></setBody>
                  </route>
                </routes>
                """);
        // a route configuration of the file's, which its route names
        Files.writeString(routes.resolve("configured.yaml"), """
                - routeConfiguration:
                    id: quiet
                    onException:
                      - onException:
                          exception:
                            - java.lang.IllegalStateException
                          handled:
                            constant: true
                          steps:
                            - setHeader:
                                name: CamelHttpResponseCode
                                constant: 502
                            - setBody:
                                constant: "handled"
                - route:
                    id: configured
                    routeConfigurationId: quiet
                    from:
                      uri: direct:configured
                      steps:
                        - throwException:
                            exceptionType: java.lang.IllegalStateException
                            message: "broken"
                """);
        pod = TestBackend.start("127.0.0.2", "pod");
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                Manifests.ingress("pods", "app.test", "/", "svc"),
                Manifests.camelRouteIngress("greet", "app.test", "/greet", "greeter"),
                Manifests.camelRouteIngress("other", "app.test", "/other", "other"),
                Manifests.camelRouteIngress("anonymous", "app.test", "/anonymous", "anonymous-1"),
                Manifests.camelRouteIngress("short", "app.test", "/short", "short"),
                Manifests.camelRouteIngress("xml", "app.test", "/xml", "xml"),
                Manifests.camelRouteIngress("configured", "app.test", "/configured", "configured")));
        caravan = CaravanHarness.start(manifests, "--routes", routes.toString());
    }

    @AfterEach
    void stop() throws Exception {
        caravan.close();
        pod.close();
    }

    private RouteFolder folder() {
        return caravan.caravan().routeFolder();
    }

    @Test
    void badFilesAtStartAreReportedAndEverythingElseRuns() throws Exception {
        assertThat(folder().failures()).containsOnlyKeys("broken.yaml", "hijack.yaml", "twin.yaml");
        assertThat(folder().failures().get("hijack.yaml")).contains("listener-http", "Caravan's own");
        assertThat(folder().failures().get("twin.yaml")).contains("other", "other.yaml");
        assertThat(folder().routes()).containsOnlyKeys("greeter.yaml", "other.yaml", "anonymous.yaml", "dormant.yaml",
                "short.yml", "xml.xml", "configured.yaml");
        assertThat(caravan.get("app.test", "/greet").text()).isEqualTo("v1");
        assertThat(caravan.get("app.test", "/other").text()).isEqualTo("other");
        assertThat(caravan.get("app.test", "/anonymous").text()).isEqualTo("anonymous");
        assertThat(caravan.get("app.test", "/").text()).isEqualTo("pod");
        assertThat(caravan.caravan().camelContext().getRouteController().getRouteStatus("listener-http"))
                .isEqualTo(ServiceStatus.Started);
        assertThat(caravan.caravan().readiness().ready()).isTrue();
        // Caravan listens to route events only: Camel makes no events for the Exchanges those requests became
        assertThat(caravan.caravan().camelContext().getCamelContextExtension().isEventNotificationApplicable())
                .isFalse();
    }

    @Test
    void ymlAndXmlFilesAndRouteConfigurationsLoadAndAStoppedRouteLeavesReadinessAlone() throws Exception {
        assertThat(caravan.get("app.test", "/short").text()).isEqualTo("yml");
        assertThat(caravan.get("app.test", "/xml").text()).isEqualTo("xml");
        assertThat(((ModelCamelContext) caravan.caravan().camelContext()).getRouteConfigurationDefinitions())
                .extracting(c -> c.getId()).contains("quiet");
        RawHttp.Response handled = caravan.get("app.test", "/configured");
        assertThat(handled.status()).isEqualTo(502);
        assertThat(handled.text()).isEqualTo("handled");
        assertThat(caravan.caravan().camelContext().getRouteController().getRouteStatus("dormant"))
                .isEqualTo(ServiceStatus.Stopped);
        assertThat(folder().ready(caravan.caravan().camelContext())).isTrue();

        // an XML file that was no XML for a while loads again once it is; one with a <camel> root brings its
        // route configurations too
        String xmlRoutes = Files.readString(routes.resolve("xml.xml"));
        Files.writeString(routes.resolve("xml.xml"), "<routes xmlns=\"http://camel.apache.org/schema/xml-io\"");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(folder().failures().get("xml.xml"))
                .contains("no well-formed XML at line 1, column "));
        Files.writeString(routes.resolve("xml.xml"), xmlRoutes.replace("<constant>xml</constant>",
                "<constant>xml again</constant>"));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(caravan.get("app.test", "/xml").text()).isEqualTo("xml again"));
        Files.writeString(routes.resolve("xml.xml"), """
                <camel xmlns="http://camel.apache.org/schema/xml-io">
                  <routeConfiguration id="xml-quiet">
                    <onException>
                      <exception>java.lang.IllegalStateException</exception>
                      <handled><constant>true</constant></handled>
                      <setHeader name="CamelHttpResponseCode"><constant>418</constant></setHeader>
                      <setBody><constant>teapot</constant></setBody>
                    </onException>
                  </routeConfiguration>
                  <route id="xml" routeConfigurationId="xml-quiet">
                    <from uri="direct:xml"/>
                    <throwException exceptionType="java.lang.IllegalStateException" message="broken"/>
                  </route>
                </camel>
                """);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(caravan.get("app.test", "/xml").status()).isEqualTo(418));

        // a new version keeps its configuration's id
        Files.writeString(routes.resolve("configured.yaml"), Files.readString(routes.resolve("configured.yaml"))
                .replace("constant: \"handled\"", "constant: \"handled again\""));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(caravan.get("app.test", "/configured").text()).isEqualTo("handled again"));
        // another file may not take its id, nor define one without an id, which would apply to every file's routes
        Files.writeString(routes.resolve("clash.yaml"), """
                - routeConfiguration:
                    id: quiet
                    onException:
                      - onException:
                          exception:
                            - java.lang.Exception
                          handled:
                            constant: true
                """ + answering("clash", "clash"));
        Files.writeString(routes.resolve("global.yaml"), """
                - routeConfiguration:
                    onException:
                      - onException:
                          exception:
                            - java.lang.Exception
                          handled:
                            constant: true
                """ + answering("global", "global"));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(folder().failures())
                .containsKeys("clash.yaml", "global.yaml"));
        assertThat(folder().failures().get("clash.yaml")).contains("quiet");
        assertThat(folder().failures().get("global.yaml")).contains("needs an id");
        assertThat(caravan.get("app.test", "/configured").text()).isEqualTo("handled again");

        // the file's configuration goes and comes with it
        Files.writeString(routes.resolve("configured.yaml"), answering("configured", "plain"));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(caravan.get("app.test", "/configured").text()).isEqualTo("plain"));
        // the id is free again: the file that wanted it loads, and its configuration goes with it too
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(folder().routes())
                .containsKey("clash.yaml"));
        Files.delete(routes.resolve("clash.yaml"));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(((ModelCamelContext) caravan.caravan().camelContext()).getRouteConfigurationDefinitions())
                        .extracting(c -> c.getId()).doesNotContain("quiet"));
    }

    @Test
    void aSlowExchangeHoldsUpItsOwnFilesReloadAloneNotTheOtherRoutesNorRoutingChanges() throws Exception {
        Files.writeString(routes.resolve("slow.yaml"), """
                - route:
                    id: slow
                    from:
                      uri: direct:slow
                      steps:
                        - delay:
                            constant: 4000
                        - setBody:
                            constant: "slow"
                """);
        caravan.write("slow.yaml", Manifests.camelRouteIngress("slow", "slow.test", "/", "slow"));
        await().atMost(Duration.ofSeconds(5)).until(() -> caravan.get("slow.test", "/").text().equals("slow"));
        ExecutorService client = Executors.newSingleThreadExecutor();
        try {
            Future<RawHttp.Response> slow = client.submit(() -> caravan.get("slow.test", "/"));
            Thread.sleep(300);
            // its file changes: the swap waits for the exchange in flight
            Files.writeString(routes.resolve("slow.yaml"), Files.readString(routes.resolve("slow.yaml")) + "# v2\n");
            Thread.sleep(1500);
            // meanwhile another file's route answers, and a routing change is served
            try (RawHttp http = new RawHttp(caravan.httpPort(), 2000)) {
                http.send("GET /greet HTTP/1.1\r\nHost: app.test\r\n\r\n");
                assertThat(http.read(false).text()).isEqualTo("v1");
            }
            caravan.write("moved.yaml", Manifests.camelRouteIngress("moved", "moved.test", "/", "other"));
            await().atMost(Duration.ofSeconds(2)).until(() -> caravan.get("moved.test", "/").text().equals("other"));
            assertThat(slow.get(10, TimeUnit.SECONDS).text()).isEqualTo("slow");
        } finally {
            client.shutdownNow();
        }
    }

    @Test
    void aChangedFileIsSwappedWhileRequestsRunAndNoneFails() throws Exception {
        whileRequestsRun(() -> {
            for (int version = 2; version <= 4; version++) {
                Files.writeString(routes.resolve("greeter.yaml"), answering("greeter", "v" + version));
                String expected = "v" + version;
                await().atMost(RELOAD).pollInterval(Duration.ofMillis(100))
                        .until(() -> caravan.get("app.test", "/greet").text().equals(expected));
            }
        });
        assertThat(caravan.get("app.test", "/other").text()).isEqualTo("other");
    }

    @Test
    void aDormantRouteAnOperatorStartsServesItsIngressAndItsWarningIsResolved() throws Exception {
        write(manifests, "dormant.yaml", Manifests.camelRouteIngress("dormant", "app.test", "/dormant", "dormant"));
        await().atMost(RELOAD).untilAsserted(() -> assertThat(caravan.caravan().lastCompilation().problems())
                .anyMatch(problem -> problem.reason().equals("RouteNotFound") && problem.message().contains("dormant")));
        assertThat(caravan.get("app.test", "/dormant").status()).isEqualTo(503);
        caravan.caravan().camelContext().getRouteController().startRoute("dormant");
        assertThat(caravan.get("app.test", "/dormant").text()).isEqualTo("dormant");
        // a route backend has no endpoints to list, and is no backend without any
        assertThat((String[]) java.lang.management.ManagementFactory.getPlatformMBeanServer().getAttribute(
                dev.caravan.admin.Management.name(caravan.caravan().camelContext(), "Backends"), "Backends"))
                .contains("camel-route:default/dormant: Camel route dormant");
        await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> assertThat(caravan.caravan().lastCompilation()
                .problems()).noneMatch(problem -> problem.message().contains("dormant")));
    }

    @Test
    void aFileOfNoRoutesIsWarnedOfUnlessItSaysSo() throws Exception {
        try (LogCapture log = new LogCapture(RouteFolder.class)) {
            Files.writeString(routes.resolve("manifest.yaml"), """
                    apiVersion: v1
                    kind: Service
                    metadata:
                      name: oops
                    """);
            Files.writeString(routes.resolve("empty.yaml"), "# nothing yet\n[]\n");
            await().atMost(RELOAD).until(() -> folder().routes().keySet().containsAll(List.of("manifest.yaml",
                    "empty.yaml")) || folder().failures().containsKey("manifest.yaml"));
            assertThat(log.lines()).anyMatch(line -> line.contains("WARN") && line.contains("manifest.yaml holds no"
                    + " Camel routes")).noneMatch(line -> line.contains("empty.yaml holds no"));
        }
    }

    @Test
    void aRouteRenamedOrMovedToAnotherFileWhileRequestsRunFailsNoneAndIsNoError() throws Exception {
        try (LogCapture log = new LogCapture(RouteFolder.class)) {
            whileRequestsRun(() -> {
                // a file renamed (a ConfigMap key renamed): the route leaves one file and comes with another
                Files.move(routes.resolve("greeter.yaml"), routes.resolve("renamed.yaml"));
                await().atMost(RELOAD).until(() -> folder().routes().containsKey("renamed.yaml"));
                // the moment it had no file is no error
                assertThat(log.lines()).noneMatch(line -> line.contains("ERROR") && line.contains("greeter"));
                // the route moved to a file read earlier (the two writes may be seen apart: no request fails either way)
                Files.writeString(routes.resolve("a-first.yaml"), answering("greeter", "moved"));
                Files.writeString(routes.resolve("renamed.yaml"), "[]\n");
                await().atMost(RELOAD).until(() -> caravan.get("app.test", "/greet").text().equals("moved"));
            });
            assertThat(folder().routes()).containsEntry("a-first.yaml", List.of("greeter"));
        }
    }

    private interface FolderChange {
        void make() throws Exception;
    }

    /** Runs {@code change} while three clients ask for /greet back to back; none may get anything but a 200 of it. */
    private void whileRequestsRun(FolderChange change) throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger served = new AtomicInteger();
        List<String> failures = new CopyOnWriteArrayList<>();
        ExecutorService clients = Executors.newFixedThreadPool(3);
        List<Future<?>> loops = new java.util.ArrayList<>();
        for (int c = 0; c < 3; c++) {
            loops.add(clients.submit(() -> {
                try (RawHttp connection = new RawHttp(caravan.httpPort())) {
                    while (running.get()) {
                        connection.send("GET /greet HTTP/1.1\r\nHost: app.test\r\n\r\n");
                        RawHttp.Response response = connection.read(false);
                        if (response.status() != 200 || response.text().isEmpty()) {
                            failures.add(response.statusLine() + " " + response.text());
                        }
                        served.incrementAndGet();
                    }
                } catch (Exception e) {
                    failures.add(e.toString());
                }
                return null;
            }));
        }
        try {
            change.make();
        } finally {
            running.set(false);
            for (Future<?> loop : loops) {
                loop.get(10, TimeUnit.SECONDS);
            }
            clients.shutdownNow();
        }
        assertThat(failures).isEmpty();
        assertThat(served.get()).isGreaterThan(0);
    }

    @Test
    void aRouteWhoseConsumerIsSuspendedTakesNoRequests() throws Exception {
        assertThat(caravan.get("app.test", "/greet").status()).isEqualTo(200);
        // as a route policy (a circuit breaker) does: the consumer alone, the route still Started
        Consumer consumer = caravan.caravan().camelContext().getRoute("greeter").getConsumer();
        ServiceHelper.suspendService(consumer);
        try {
            assertThat(caravan.caravan().camelContext().getRouteController().getRouteStatus("greeter"))
                    .isEqualTo(ServiceStatus.Started);
            assertThat(caravan.get("app.test", "/greet").status()).isEqualTo(503);
        } finally {
            ServiceHelper.resumeService(consumer);
        }
        assertThat(caravan.get("app.test", "/greet").text()).isEqualTo("v1");
    }

    @Test
    void aFileThatBreaksKeepsItsLastGoodRoutesAndAFixLoads() throws Exception {
        Files.writeString(routes.resolve("greeter.yaml"), "- route:\n    id: greeter\n    from: {uri: [\n");
        await().atMost(RELOAD).until(() -> folder().failures().containsKey("greeter.yaml"));
        assertThat(caravan.get("app.test", "/greet").text()).isEqualTo("v1");

        // parses, but does not start (no such component): the last good version is put back
        Files.writeString(routes.resolve("greeter.yaml"), """
                - route:
                    id: greeter
                    from:
                      uri: no-such-component:x
                      steps:
                        - log: x
                """);
        await().atMost(RELOAD).until(() -> String.valueOf(folder().failures().get("greeter.yaml"))
                .contains("no-such-component"));
        assertThat(caravan.get("app.test", "/greet").text()).isEqualTo("v1");

        Files.writeString(routes.resolve("greeter.yaml"), answering("greeter", "fixed"));
        await().atMost(RELOAD).until(() -> caravan.get("app.test", "/greet").text().equals("fixed"));
        // the failure is forgotten once the whole reload is done, a moment after the fixed route serves
        await().atMost(RELOAD).until(() -> !folder().failures().containsKey("greeter.yaml"));
    }

    @Test
    void aRemovedFileTakesItsRoutesAlongAndRoutesLeftOutOfAFileGoToo() throws Exception {
        Files.delete(routes.resolve("other.yaml"));
        // the twin, refused while other.yaml held its id, loads now that the id is free
        await().atMost(RELOAD).until(() -> caravan.get("app.test", "/other").text().equals("twin"));
        Files.delete(routes.resolve("twin.yaml"));
        await().atMost(RELOAD).until(() -> caravan.get("app.test", "/other").status() == 503);
        assertThat(caravan.caravan().camelContext().getRoute("other")).isNull();

        Files.writeString(routes.resolve("greeter.yaml"), answering("greeter", "v1") + answering("greeter-2", "two"));
        await().atMost(RELOAD).until(() -> caravan.caravan().camelContext().getRoute("greeter-2") != null);
        Files.writeString(routes.resolve("greeter.yaml"), answering("greeter-2", "two"));
        await().atMost(RELOAD).until(() -> caravan.caravan().camelContext().getRoute("greeter") == null);
        assertThat(caravan.get("app.test", "/greet").status()).isEqualTo(503);
        assertThat(folder().routes()).containsEntry("greeter.yaml", List.of("greeter-2"));
        assertThat(folder().routes()).doesNotContainKeys("other.yaml", "twin.yaml");

        // a route moved at once from a file read later to one read earlier: the earlier one loads once it is free
        Files.writeString(routes.resolve("b-moving.yaml"), answering("moving", "in b"));
        await().atMost(RELOAD).until(() -> folder().routes().containsKey("b-moving.yaml"));
        Files.writeString(routes.resolve("a-moving.yaml"), answering("moving", "in a"));
        Files.writeString(routes.resolve("b-moving.yaml"), "[]\n");
        await().atMost(RELOAD).untilAsserted(() -> assertThat(folder().routes())
                .containsEntry("a-moving.yaml", List.of("moving")));
        assertThat(folder().failures()).doesNotContainKey("a-moving.yaml");

        // a file whose every line is commented out has no routes, nor has an emptied one
        Files.writeString(routes.resolve("greeter.yaml"), answering("greeter-2", "two").lines()
                .map(line -> "# " + line).reduce("", (a, b) -> a + b + "\n"));
        await().atMost(RELOAD).until(() -> caravan.caravan().camelContext().getRoute("greeter-2") == null);
        assertThat(folder().failures()).doesNotContainKey("greeter.yaml");
        Files.writeString(routes.resolve("anonymous.yaml"), "");
        await().atMost(RELOAD).until(() -> caravan.caravan().camelContext().getRoute("anonymous-1") == null);
    }
}

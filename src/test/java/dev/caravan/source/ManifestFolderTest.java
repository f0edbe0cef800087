package dev.caravan.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.routing.ObjectRef;
import dev.caravan.state.ClusterState;
import dev.caravan.state.ClusterStateStore;
import dev.caravan.state.ResourceKind;
import dev.caravan.testing.LogCapture;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestFolderTest {

    @TempDir
    Path dir;

    private final ClusterStateStore store = new ClusterStateStore();
    private final List<ClusterState> published = new ArrayList<>();
    private ManifestFolder folder;
    private LogCapture log;
    private Instant clock = Instant.parse("2024-01-01T00:00:00Z");

    @BeforeEach
    void setUp() {
        store.addListener(() -> published.add(store.current()));
        folder = new ManifestFolder(dir, store);
        log = new LogCapture(ManifestFolder.class);
    }

    @AfterEach
    void tearDown() {
        log.close();
    }

    @Test
    void anObjectWithoutACreationTimestampIsAsOldAsItsFileWhenFirstReadAndKeepsIt() throws IOException {
        write("a.yaml", service("zeta", 80));
        folder.scan();
        String zeta = created("zeta");
        assertThat(zeta).isEqualTo(clock.toString());
        // the time its file was written; an edit keeps it; a later object is younger, whatever its name; a
        // manifest's own timestamp stands
        write("a.yaml", service("zeta", 81));
        write("b.yaml", docs(service("alpha", 80), service("given", 80).replace("  name: given\n",
                "  name: given\n  creationTimestamp: \"2020-01-01T00:00:00Z\"\n")));
        folder.scan();
        assertThat(services()).containsEntry("web/zeta", 81);
        assertThat(created("zeta")).isEqualTo(zeta);
        assertThat(Instant.parse(created("alpha"))).isAfter(Instant.parse(zeta));
        assertThat(created("given")).isEqualTo("2020-01-01T00:00:00Z");
        // read again from scratch (a restart, another replica): as old as the files
        ClusterStateStore again = new ClusterStateStore();
        new ManifestFolder(dir, again).scan();
        assertThat(Instant.parse(again.current().get(ResourceKind.SERVICE, new ObjectRef("web", "alpha"))
                .getMetadata().getCreationTimestamp())).isEqualTo(clock);
    }

    @Test
    void aCreationTimestampThatIsNoTimeIsTakenAsMissingAndWarnedOf() throws IOException {
        // taken as the earliest time, it would make its object win every "older wins" contest, unseen
        write("a.yaml", service("odd", 80).replace("  name: odd\n", "  name: odd\n  creationTimestamp: yesterday\n"));
        folder.scan();
        assertThat(created("odd")).isEqualTo(clock.toString());
        assertThat(log.warnings()).singleElement().asString().contains("web/odd", "'yesterday'", "taken as missing");
    }

    private String created(String service) {
        return store.current().get(ResourceKind.SERVICE, new ObjectRef("web", service)).getMetadata()
                .getCreationTimestamp();
    }

    // ---------------------------------------------------------------- helpers

    private static String service(String namespace, String name, int port) {
        return """
                apiVersion: v1
                kind: Service
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  ports:
                  - port: %d
                """.formatted(name, namespace, port);
    }

    private static String service(String name, int port) {
        return service("web", name, port);
    }

    private static String docs(String... documents) {
        return String.join("---\n", documents);
    }

    private static final String MALFORMED = """
            apiVersion: v1
            kind: Service
            metadata:
              name: broken
               namespace: web
            """;

    /** Writes a file and gives it a modification time later than any before, so a scan sees the change. */
    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        clock = clock.plusSeconds(10);
        Files.setLastModifiedTime(file, FileTime.from(clock));
        return file;
    }

    /** The Services in the store, by reference, with their first port. */
    private Map<String, Integer> services() {
        Map<String, Integer> ports = new TreeMap<>();
        for (Service service : store.current().<Service>all(ResourceKind.SERVICE)) {
            ports.put(ClusterState.refOf(service).toString(), service.getSpec().getPorts().get(0).getPort());
        }
        return ports;
    }

    private int count(ResourceKind kind) {
        return store.current().size(kind);
    }

    // ---------------------------------------------------------------- tests

    @Test
    void initialScanLoadsEveryManifestFileAsOneStateVersion() throws IOException {
        write("a.yaml", docs(service("a", 80), """
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: site
                  namespace: web
                spec:
                  defaultBackend:
                    service:
                      name: a
                      port:
                        number: 80
                """));
        write("b.yml", service("b", 81));
        write("c.json", """
                {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "c", "namespace": "web"},
                 "spec": {"ports": [{"port": 82}]}}
                """);
        assertThat(folder.synced()).isFalse();

        folder.scan();

        assertThat(folder.synced()).isTrue();
        assertThat(services()).isEqualTo(Map.of("web/a", 80, "web/b", 81, "web/c", 82));
        assertThat(count(ResourceKind.INGRESS)).isEqualTo(1);
        assertThat(published).hasSize(1);
        assertThat(log.warnings()).isEmpty();
    }

    @Test
    void anEmptyFolderIsLoadedWithoutANewVersion() {
        folder.scan();

        assertThat(folder.synced()).isTrue();
        assertThat(published).isEmpty();
    }

    @Test
    void aScanWithoutChangesMakesNoNewVersion() throws IOException {
        write("a.yaml", service("a", 80));
        folder.scan();
        folder.scan();
        folder.scan();

        assertThat(published).hasSize(1);
    }

    @Test
    void editingAFileUpdatesItsObjects() throws IOException {
        write("a.yaml", docs(service("a", 80), service("b", 90)));
        folder.scan();

        // same size: only the modification time tells the change
        write("a.yaml", docs(service("a", 81), service("b", 90)));
        folder.scan();

        assertThat(services()).isEqualTo(Map.of("web/a", 81, "web/b", 90));
        assertThat(published).hasSize(2);
    }

    @Test
    void aFileAddedLaterIsPickedUp() throws IOException {
        write("a.yaml", service("a", 80));
        folder.scan();

        write("b.yaml", service("b", 81));
        folder.scan();

        assertThat(services()).isEqualTo(Map.of("web/a", 80, "web/b", 81));
    }

    @Test
    void removingADocumentFromAFileDeletesThatObject() throws IOException {
        write("a.yaml", docs(service("a", 80), service("b", 90)));
        folder.scan();

        write("a.yaml", service("a", 80));
        folder.scan();

        assertThat(services()).isEqualTo(Map.of("web/a", 80));
    }

    @Test
    void deletingAFileRemovesItsObjects() throws IOException {
        Path a = write("a.yaml", docs(service("a", 80), service("a2", 80)));
        write("b.yaml", service("b", 81));
        folder.scan();

        Files.delete(a);
        folder.scan();

        assertThat(services()).isEqualTo(Map.of("web/b", 81));
        assertThat(published).hasSize(2);
    }

    @Test
    void aMalformedFileIsReportedAndTheGoodOnesNextToItLoad() throws IOException {
        write("a.yaml", service("a", 80));
        write("b.yaml", docs(service("b", 81), MALFORMED));
        write("c.json", "{\"apiVersion\": \"v1\", \"kind\": \"Service\", \"metadata\": {\"name\": \"c\", \"namespace\": \"web\"},"
                + " \"spec\": {\"ports\": [{\"port\": 82}]}}");

        folder.scan();

        // a file is the unit of change: b.yaml's good first document is not served either
        assertThat(services()).isEqualTo(Map.of("web/a", 80, "web/c", 82));
        assertThat(folder.synced()).isTrue();
        assertThat(log.warnings()).isNotEmpty().allSatisfy(line -> assertThat(line).contains("b.yaml"));
        assertThat(log.warnings()).anySatisfy(line -> assertThat(line).contains("rejected"));
    }

    @Test
    void aMalformedEditKeepsTheFilesPreviousObjects() throws IOException {
        write("a.yaml", docs(service("a", 80), service("a2", 80)));
        write("b.yaml", service("b", 81));
        folder.scan();
        log.clear();

        write("a.yaml", docs(service("a", 99), MALFORMED));
        write("b.yaml", service("b", 82));
        folder.scan();

        assertThat(services()).isEqualTo(Map.of("web/a", 80, "web/a2", 80, "web/b", 82));
        assertThat(log.warnings()).isNotEmpty().allSatisfy(line -> assertThat(line).contains("a.yaml"));

        // a later scan does not retry the unchanged broken file, and fixing it takes effect
        folder.scan();
        assertThat(services()).containsEntry("web/a", 80);
        write("a.yaml", service("a", 99));
        folder.scan();
        assertThat(services()).isEqualTo(Map.of("web/a", 99, "web/b", 82));
    }

    @Test
    void deletingAMalformedFileRemovesItsLastGoodObjects() throws IOException {
        Path a = write("a.yaml", service("a", 80));
        folder.scan();
        write("a.yaml", MALFORMED);
        folder.scan();
        assertThat(services()).containsKey("web/a");

        Files.delete(a);
        folder.scan();

        assertThat(services()).isEmpty();
    }

    @Test
    void aFileThatWasNeverGoodContributesNothing() throws IOException {
        Path bad = write("bad.yaml", MALFORMED);
        write("good.yaml", service("a", 80));
        folder.scan();
        Files.delete(bad);
        folder.scan();

        assertThat(services()).isEqualTo(Map.of("web/a", 80));
    }

    @Test
    void anObjectDefinedInTwoFilesIsServedFromTheFirstByFileName() throws IOException {
        write("b.yaml", service("x", 80));
        folder.scan();
        assertThat(services()).isEqualTo(Map.of("web/x", 80));

        // a.yaml sorts before b.yaml: its definition is used, although it came later
        Path a = write("a.yaml", service("x", 81));
        folder.scan();
        assertThat(services()).isEqualTo(Map.of("web/x", 81));
        assertThat(log.warnings()).anySatisfy(line -> assertThat(line).contains("b.yaml", "a.yaml", "web/x"));

        // editing the second definition changes nothing
        write("b.yaml", service("x", 82));
        folder.scan();
        assertThat(services()).isEqualTo(Map.of("web/x", 81));

        // with the first file gone, the other definition takes over
        Files.delete(a);
        folder.scan();
        assertThat(services()).isEqualTo(Map.of("web/x", 82));
    }

    @Test
    void anObjectInTwoFilesFromTheStart() throws IOException {
        write("20-second.yaml", service("x", 82));
        write("10-first.yml", service("x", 81));
        write("30-third.json", "{\"apiVersion\": \"v1\", \"kind\": \"Service\", \"metadata\": {\"name\": \"x\", \"namespace\": \"web\"},"
                + " \"spec\": {\"ports\": [{\"port\": 83}]}}");

        folder.scan();

        assertThat(services()).isEqualTo(Map.of("web/x", 81));
    }

    @Test
    void movingAnObjectBetweenFilesKeepsIt() throws IOException {
        write("a.yaml", docs(service("x", 80), service("y", 80)));
        write("b.yaml", service("z", 80));
        folder.scan();

        write("a.yaml", service("y", 80));
        write("b.yaml", docs(service("z", 80), service("x", 80)));
        folder.scan();

        assertThat(services()).isEqualTo(Map.of("web/x", 80, "web/y", 80, "web/z", 80));
    }

    @Test
    void onlyYamlYmlAndJsonFilesAreRead() throws IOException {
        String content = service("ignored", 80);
        write("notes.txt", content);
        write("README.md", content);
        write("a.yaml.bak", content);
        write("a.yaml~", content);
        write("a.YAML.orig", content);
        write(".hidden.yaml", content);
        write(".hidden.yml", content);
        write(".hidden.json", "{\"apiVersion\": \"v1\", \"kind\": \"Service\", \"metadata\": {\"name\": \"ignored\"}}");
        write(".broken.yaml", MALFORMED);
        write("broken.txt", MALFORMED);
        Files.createDirectory(dir.resolve("sub.yaml"));
        Files.writeString(dir.resolve("sub.yaml").resolve("inner.yaml"), content);
        write("real.yaml", service("real", 80));

        folder.scan();

        assertThat(services()).isEqualTo(Map.of("web/real", 80));
        assertThat(log.warnings()).isEmpty();
    }

    @Test
    void unknownKindsAreSkippedWithoutError() throws IOException {
        write("app.yaml", docs("""
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: a
                """, service("a", 80)));

        folder.scan();

        assertThat(services()).isEqualTo(Map.of("web/a", 80));
        assertThat(log.warnings()).isEmpty();
    }

    @Test
    void anUnsupportedApiVersionRejectsTheFile() throws IOException {
        write("old.yaml", docs(service("a", 80), """
                apiVersion: extensions/v1beta1
                kind: Ingress
                metadata:
                  name: old
                """));
        write("good.yaml", service("b", 81));

        folder.scan();

        assertThat(services()).isEqualTo(Map.of("web/b", 81));
        assertThat(count(ResourceKind.INGRESS)).isZero();
        assertThat(log.warnings()).anySatisfy(line -> assertThat(line).contains("old.yaml", "extensions/v1beta1"));
    }

    @Test
    void objectsWithoutANamespaceAreInDefault() throws IOException {
        write("a.yaml", docs("""
                apiVersion: v1
                kind: Service
                metadata:
                  name: x
                spec:
                  ports:
                  - port: 80
                """, service("other", "x", 81)));

        folder.scan();

        assertThat(services()).isEqualTo(Map.of("default/x", 80, "other/x", 81));
        HasMetadata x = store.current().get(ResourceKind.SERVICE, new ObjectRef("default", "x"));
        assertThat(x).isNotNull();
    }

    @Test
    void aFolderThatCannotBeListedKeepsWhatWasRead() throws IOException {
        write("a.yaml", service("a", 80));
        folder.scan();

        try (Stream<Path> files = Files.walk(dir)) {
            for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
        folder.scan();

        assertThat(services()).isEqualTo(Map.of("web/a", 80));
        assertThat(published).hasSize(1);
        Files.createDirectories(dir); // for @TempDir's clean-up
    }
}

package dev.caravan.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.routing.ObjectRef;
import dev.caravan.state.ClusterState;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ManifestParserTest {

    private final ManifestParser parser = new ManifestParser();

    private static String service(String name) {
        return """
                apiVersion: v1
                kind: Service
                metadata:
                  name: %s
                  namespace: web
                spec:
                  ports:
                  - port: 80
                """.formatted(name);
    }

    private static final String INGRESS = """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata:
              name: site
              namespace: web
            spec:
              ingressClassName: caravan
              rules:
              - host: example.com
                http:
                  paths:
                  - path: /
                    pathType: Prefix
                    backend:
                      service:
                        name: a
                        port:
                          number: 80
            """;

    private static final String SLICE = """
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: a-xyz
              namespace: web
              labels:
                kubernetes.io/service-name: a
            addressType: IPv4
            ports:
            - name: ""
              port: 8080
            endpoints:
            - addresses: ["10.0.0.1"]
              conditions:
                ready: true
            """;

    private static final String DEPLOYMENT = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: a
              namespace: web
            spec:
              selector:
                matchLabels: {app: a}
              template:
                metadata:
                  labels: {app: a}
                spec:
                  containers:
                  - name: a
                    image: nginx
            """;

    private static List<String> names(ManifestParser.Result result) {
        return result.objects().stream().map(o -> o.getKind() + " " + o.getMetadata().getName()).toList();
    }

    private static int lineOf(String error) {
        assertThat(error).matches("line \\d+: (?s).*");
        return Integer.parseInt(error.substring(5, error.indexOf(':')));
    }

    // ---------------------------------------------------------------- well-formed input

    @Test
    void multiDocumentYamlGivesEveryObjectInOrder() {
        var result = parser.parse(service("a") + "---\n" + INGRESS + "---\n" + SLICE);

        assertThat(result.errors()).isEmpty();
        assertThat(result.skipped()).isZero();
        assertThat(names(result)).containsExactly("Service a", "Ingress site", "EndpointSlice a-xyz");
        assertThat(result.objects().get(0)).isInstanceOf(Service.class);
        assertThat(result.objects().get(1)).isInstanceOf(Ingress.class);
        assertThat(result.objects().get(2)).isInstanceOf(EndpointSlice.class);
        Ingress ingress = (Ingress) result.objects().get(1);
        assertThat(ingress.getSpec().getRules().get(0).getHost()).isEqualTo("example.com");
        assertThat(ingress.getSpec().getRules().get(0).getHttp().getPaths().get(0).getBackend().getService().getPort()
                .getNumber()).isEqualTo(80);
        EndpointSlice slice = (EndpointSlice) result.objects().get(2);
        assertThat(slice.getEndpoints().get(0).getAddresses()).containsExactly("10.0.0.1");
    }

    @Test
    void separatorsCommentsAndEmptyDocumentsAreTolerated() {
        String yaml = "--- # leading separator with a comment\n"
                + service("a")
                + "---\n"
                + "---\n"
                + "# a document of comments only\n"
                + "   \n"
                + "--- \n"
                + service("b")
                + "---\n";

        var result = parser.parse(yaml);

        assertThat(result.errors()).isEmpty();
        assertThat(names(result)).containsExactly("Service a", "Service b");
    }

    @Test
    void windowsLineEndings() {
        String yaml = (service("a") + "---\n" + service("b")).replace("\n", "\r\n");

        var result = parser.parse(yaml);

        assertThat(result.errors()).isEmpty();
        assertThat(names(result)).containsExactly("Service a", "Service b");
    }

    @Test
    void emptyContentHasNothingAndNoErrors() {
        for (String empty : List.of("", "\n\n", "# just a comment\n", "---\n---\n")) {
            var result = parser.parse(empty);
            assertThat(result.objects()).as("objects of %s", empty).isEmpty();
            assertThat(result.errors()).as("errors of %s", empty).isEmpty();
        }
    }

    @Test
    void json() {
        String json = """
                {
                  "apiVersion": "networking.k8s.io/v1",
                  "kind": "IngressClass",
                  "metadata": {"name": "caravan"},
                  "spec": {"controller": "caravan.dev/ingress-controller"}
                }
                """;

        var result = parser.parse(json);

        assertThat(result.errors()).isEmpty();
        assertThat(result.objects()).singleElement().isInstanceOfSatisfying(IngressClass.class,
                c -> assertThat(c.getSpec().getController()).isEqualTo("caravan.dev/ingress-controller"));
    }

    @Test
    void jsonList() {
        String json = """
                {"apiVersion": "v1", "kind": "List", "items": [
                  {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a", "namespace": "web"}},
                  {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}},
                  {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "web"}},
                  {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "i", "namespace": "web"},
                   "spec": {"defaultBackend": {"service": {"name": "a", "port": {"number": 80}}}}}
                ]}
                """;

        var result = parser.parse(json);

        assertThat(result.errors()).isEmpty();
        assertThat(names(result)).containsExactly("Service a", "Ingress i");
        // a Namespace is watched in a cluster alone (--watch-namespace-selector): skipped, as a Deployment is
        assertThat(result.skipped()).isEqualTo(2);
    }

    @Test
    void yamlListAmongOtherDocuments() {
        String yaml = service("before") + """
                ---
                apiVersion: v1
                kind: List
                items:
                - apiVersion: v1
                  kind: Service
                  metadata:
                    name: one
                - apiVersion: v1
                  kind: Service
                  metadata:
                    name: two
                """;

        var result = parser.parse(yaml);

        assertThat(result.errors()).isEmpty();
        assertThat(names(result)).containsExactly("Service before", "Service one", "Service two");
    }

    @Test
    void unknownKindsAreSkippedAndCounted() {
        String crd = """
                apiVersion: example.com/v1
                kind: Widget
                metadata:
                  name: w
                """;
        String role = """
                apiVersion: rbac.authorization.k8s.io/v1
                kind: Role
                metadata:
                  name: r
                """;

        var result = parser.parse(DEPLOYMENT + "---\n" + service("a") + "---\n" + crd + "---\n" + role);

        assertThat(result.errors()).isEmpty();
        assertThat(names(result)).containsExactly("Service a");
        assertThat(result.skipped()).isEqualTo(3);
    }

    @Test
    void everyWatchedKindIsRead() {
        String yaml = INGRESS + "---\n" + SLICE + "---\n" + service("a") + """
                ---
                apiVersion: networking.k8s.io/v1
                kind: IngressClass
                metadata:
                  name: caravan
                spec:
                  controller: caravan.dev/ingress-controller
                ---
                apiVersion: v1
                kind: Endpoints
                metadata:
                  name: a
                subsets:
                - addresses: [{ip: 10.0.0.1}]
                  ports: [{port: 8080}]
                ---
                apiVersion: v1
                kind: Secret
                metadata:
                  name: tls
                type: kubernetes.io/tls
                """;

        var result = parser.parse(yaml);

        assertThat(result.errors()).isEmpty();
        assertThat(result.objects()).extracting(HasMetadata::getKind)
                .containsExactly("Ingress", "EndpointSlice", "Service", "IngressClass", "Endpoints", "Secret");
    }

    // ---------------------------------------------------------------- errors

    static Stream<Arguments> unsupportedApiVersions() {
        return Stream.of(
                Arguments.of("networking.k8s.io/v1beta1", "Ingress", "networking.k8s.io/v1"),
                Arguments.of("extensions/v1beta1", "Ingress", "networking.k8s.io/v1"),
                Arguments.of("networking.k8s.io/v1beta1", "IngressClass", "networking.k8s.io/v1"),
                Arguments.of("discovery.k8s.io/v1beta1", "EndpointSlice", "discovery.k8s.io/v1"));
    }

    @ParameterizedTest(name = "{1} {0} is an error naming {2}")
    @MethodSource("unsupportedApiVersions")
    void unsupportedApiVersionOfAWatchedKindIsAnError(String apiVersion, String kind, String expected) {
        String old = """
                apiVersion: %s
                kind: %s
                metadata:
                  name: old
                  namespace: web
                """.formatted(apiVersion, kind);

        // the old object is the second document, which starts on line 10
        var result = parser.parse(service("a") + "---\n" + old);

        assertThat(names(result)).containsExactly("Service a");
        assertThat(result.errors()).singleElement().satisfies(error -> {
            assertThat(lineOf(error)).isEqualTo(10);
            assertThat(error).contains(kind, apiVersion, expected);
        });
        assertThat(result.skipped()).isZero();
    }

    @Test
    void missingMetadataNameIsAnError() {
        String nameless = """
                apiVersion: v1
                kind: Service
                metadata:
                  namespace: web
                """;

        var result = parser.parse(service("a") + "---\n" + nameless);

        assertThat(names(result)).containsExactly("Service a");
        assertThat(result.errors()).singleElement().satisfies(error -> {
            assertThat(lineOf(error)).isEqualTo(10);
            assertThat(error).contains("metadata.name");
        });
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
        "spec: {ingressClassName: c, rules: [null]}                              | spec.rules[0]",
        "spec: {rules: [{host: a.test, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}, null]}}]} | spec.rules[0].http.paths[1]",
        "spec: {tls: [null]}                                                     | spec.tls[0]",
    })
    void aNullItemOfAListIsAnErrorNamingWhereItIs(String spec, String where) {
        String ingress = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: bad}\n" + spec + "\n";

        var result = parser.parse(service("a") + "---\n" + ingress);

        assertThat(names(result)).containsExactly("Service a");
        assertThat(result.errors()).singleElement().satisfies(error -> {
            assertThat(lineOf(error)).isEqualTo(10);
            assertThat(error).contains("Ingress bad: " + where + " is null");
        });
    }

    @Test
    void aNullItemOfAnEndpointSlicesListIsAnError() {
        var result = parser.parse("""
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata: {name: s-1, labels: {kubernetes.io/service-name: s}}
                addressType: IPv4
                ports: [{name: http, port: 80}]
                endpoints:
                  - addresses: [10.0.0.1]
                  -
                """);

        assertThat(result.objects()).isEmpty();
        assertThat(result.errors()).singleElement().asString().contains("EndpointSlice s-1: endpoints[1] is null");
    }

    @Test
    void missingKindOrApiVersionIsAnError() {
        var noApiVersion = parser.parse("kind: Service\nmetadata:\n  name: a\n");
        var notAnObject = parser.parse("just a string\n");

        assertThat(noApiVersion.objects()).isEmpty();
        assertThat(noApiVersion.errors()).singleElement().asString().startsWith("line 1:");
        assertThat(notAnObject.objects()).isEmpty();
        assertThat(notAnObject.errors()).hasSize(1);
    }

    @Test
    void missingNamespaceIsLeftForClusterStateToDefault() {
        String yaml = """
                apiVersion: v1
                kind: Service
                metadata:
                  name: a
                ---
                apiVersion: networking.k8s.io/v1
                kind: IngressClass
                metadata:
                  name: caravan
                spec:
                  controller: caravan.dev/ingress-controller
                """;

        var result = parser.parse(yaml);

        assertThat(result.errors()).isEmpty();
        assertThat(result.objects()).hasSize(2);
        assertThat(result.objects().get(0).getMetadata().getNamespace()).isNull();
        assertThat(ClusterState.refOf(result.objects().get(0))).isEqualTo(new ObjectRef("default", "a"));
        // cluster-scoped: no namespace at all
        assertThat(ClusterState.refOf(result.objects().get(1))).isEqualTo(new ObjectRef("", "caravan"));
    }

    @Test
    void malformedYamlIsAnErrorAndOtherDocumentsStillParse() {
        String broken = """
                apiVersion: v1
                kind: Service
                metadata:
                  name: b
                   namespace: web
                """;

        var result = parser.parse(service("a") + "---\n" + broken + "---\n" + service("c"));

        assertThat(names(result)).containsExactly("Service a", "Service c");
        assertThat(result.errors()).hasSize(1);
    }

    @Test
    void malformedJsonReportsTheLineOfTheError() {
        String json = """
                {
                  "apiVersion": "v1",
                  "kind": "Service",
                  "metadata": {"name": "a",}
                }
                """;

        var result = parser.parse(json);

        assertThat(result.objects()).isEmpty();
        assertThat(result.errors()).singleElement().satisfies(error -> assertThat(lineOf(error)).isEqualTo(4));
    }

    @Test
    void malformedJsonDocumentInAYamlStreamReportsTheLineInTheFile() {
        // lines 1-8: a Service; line 9: ---; lines 10-14: a JSON document whose error is on its line 4 = line 13
        String json = """
                {
                  "apiVersion": "v1",
                  "kind": "Service",
                  "metadata": {"name": "b",}
                }
                """;

        var result = parser.parse(service("a") + "---\n" + json);

        assertThat(names(result)).containsExactly("Service a");
        assertThat(result.errors()).singleElement().satisfies(error -> assertThat(lineOf(error)).isEqualTo(13));
    }

    @Test
    void malformedYamlInTheSecondDocumentReportsTheLineInTheFile() {
        // lines 1-8: a Service; line 9: ---; the broken document starts on line 10; its bad line is line 15
        String broken = """
                apiVersion: v1
                kind: Service
                metadata:
                  name: b
                  labels:
                    app: b
                     tier: web
                """;
        // "     tier: web" is the 7th line of the document: line 16 of the file; SnakeYAML flags the ':' on it
        var result = parser.parse(service("a") + "---\n" + broken);

        assertThat(names(result)).containsExactly("Service a");
        assertThat(result.errors()).singleElement().satisfies(error -> assertThat(lineOf(error)).isEqualTo(16));
    }

    @Test
    void malformedYamlInTheFirstDocumentReportsItsLine() {
        String tab = "apiVersion: v1\nkind: Service\nmetadata:\n\tname: a\n";

        var result = parser.parse(tab);

        assertThat(result.objects()).isEmpty();
        assertThat(result.errors()).singleElement().satisfies(error -> assertThat(lineOf(error)).isEqualTo(4));
    }

    @Test
    void aDocumentThatDoesNotFitTheModelIsAnErrorAtItsFirstLine() {
        String wrongType = """
                apiVersion: v1
                kind: Service
                metadata:
                  name: b
                spec:
                  ports:
                  - port: eighty
                """;

        var result = parser.parse(service("a") + "---\n" + wrongType);

        assertThat(names(result)).containsExactly("Service a");
        assertThat(result.errors()).singleElement().satisfies(error -> {
            assertThat(lineOf(error)).isEqualTo(10);
            assertThat(error).contains("eighty");
        });
    }
}

package dev.caravan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.compile.annotation.AnnotationCatalog;
import dev.caravan.testing.TestCertificates;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckCommandTest {

    private static final String SEED = """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata:
              name: ingress-example
              annotations:
                nginx.ingress.kubernetes.io/rewrite-target: /
                kubernetes.io/ingress.class: "nginx"
            spec:
              rules:
              - host: alicek106.example.com
                http:
                  paths:
                  - path: /echo-hostname
                    pathType: Prefix
                    backend:
                      service:
                        name: hostname-service
                        port:
                          number: 80
            """;

    private record Run(int exit, String out, String err) {
    }

    private static Run check(String input, String... options) {
        return run(input, java.util.stream.Stream.concat(java.util.Arrays.stream(options), java.util.stream.Stream.of("-"))
                .toList());
    }

    private static Run run(String input, List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = new CheckCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8))
                .run(args, new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void wrongArgumentsAreToldInWords() {
        Run two = run("", List.of("a.yaml", "b.yaml"));
        assertThat(two.exit()).isEqualTo(2);
        assertThat(two.err()).contains("check reads one FILE, DIR or - (a.yaml, then b.yaml)");
        Run missing = run("", List.of("/no/such/manifests"));
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("cannot read /no/such/manifests: no such file or directory");
    }

    @Test
    void theSeedsIngressIsServedAsWrittenByCaravanWithTheNginxClass() {
        Run run = check(SEED, "--ingress-class", "nginx");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("Ingress default/ingress-example: served as written",
                "class        claimed (kubernetes.io/ingress.class nginx)",
                "supported    nginx.ingress.kubernetes.io/rewrite-target=/");
        Run defaults = check(SEED);
        assertThat(defaults.exit()).isEqualTo(1);
        assertThat(defaults.out()).contains("NOT served", "not claimed: its kubernetes.io/ingress.class is nginx,"
                + " not caravan");
    }

    @Test
    void disableCatchAllJudgesAnIngressWithADefaultBackendNotServed() {
        String catchAll = SEED.replace("spec:\n", "spec:\n  defaultBackend:\n    service:\n      name: hostname-service\n"
                + "      port:\n        number: 80\n");
        assertThat(check(catchAll, "--ingress-class", "nginx").exit()).isZero();
        Run strict = check(catchAll, "--ingress-class", "nginx", "--disable-catch-all");
        assertThat(strict.exit()).isEqualTo(1);
        assertThat(strict.out()).contains("NOT served", "--disable-catch-all");
    }

    @Test
    void ingressClassesReadAlongAreUsed() {
        String withClass = """
                apiVersion: networking.k8s.io/v1
                kind: IngressClass
                metadata: {name: web}
                spec: {controller: caravan.dev/ingress-controller}
                ---
                """ + SEED.replace("    kubernetes.io/ingress.class: \"nginx\"\n", "")
                .replace("spec:\n  rules:", "spec:\n  ingressClassName: web\n  rules:");
        Run run = check(withClass);
        assertThat(run.out()).contains("class        claimed (spec.ingressClassName web)");
        assertThat(run.exit()).isZero();
    }

    @Test
    void unsupportedRefusedAndInvalidAreEachNamedAndExitIs1() {
        Run run = check(SEED.replace("    kubernetes.io/ingress.class: \"nginx\"\n", """
                    kubernetes.io/ingress.class: "nginx"
                    nginx.ingress.kubernetes.io/proxy-buffering: "on"
                    nginx.ingress.kubernetes.io/server-snippet: "location /x { }"
                    nginx.ingress.kubernetes.io/use-regex: maybe
                """));
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("NOT served", "unsupported  nginx.ingress.kubernetes.io/proxy-buffering=on",
                "refused      nginx.ingress.kubernetes.io/server-snippet", "invalid      nginx.ingress.kubernetes.io/use-regex=maybe");
    }

    @Test
    void underAnotherAnnotationsPrefixItsAnnotationsAreJudgedAndTheUsualOnesAreNotRead() {
        String custom = SEED.replace("    kubernetes.io/ingress.class: \"nginx\"\n", """
                    kubernetes.io/ingress.class: "nginx"
                    internal.example.com/use-regex: maybe
                    internal.example.com/ssl-redirect: "false"
                """);
        Run run = check(custom, "--ingress-class", "nginx", "--annotations-prefix", "internal.example.com");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("invalid      internal.example.com/use-regex=maybe",
                "supported    internal.example.com/ssl-redirect=false",
                "invalid      nginx.ingress.kubernetes.io/rewrite-target: not read under --annotations-prefix"
                        + " internal.example.com")
                .doesNotContain("supported    nginx.ingress.kubernetes.io/rewrite-target");
        // the usual prefix judged as such
        assertThat(check(custom, "--ingress-class", "nginx").out()).doesNotContain("internal.example.com/use-regex=")
                .contains("supported    nginx.ingress.kubernetes.io/rewrite-target=");
        assertThat(check(custom, "--annotations-prefix", "not a name").exit()).isEqualTo(2);
    }

    @Test
    void anIngressNamingOurClassBeforeItExistsIsToldToCreateIt() {
        Run run = check(SEED.replace("    kubernetes.io/ingress.class: \"nginx\"\n", "")
                .replace("spec:\n", "spec:\n  ingressClassName: caravan\n"));
        assertThat(run.out()).contains("not claimed: its ingressClassName caravan names no IngressClass (create it,"
                + " with spec.controller caravan.dev/ingress-controller, as examples/ingress-class.yaml does)");
    }

    @Test
    void anInvalidIngressAskingForAccessControlIsSaidToAnswer503() {
        Run run = check(SEED.replace("    kubernetes.io/ingress.class: \"nginx\"\n", """
                    kubernetes.io/ingress.class: "nginx"
                    nginx.ingress.kubernetes.io/whitelist-source-range: "10.0.0.0/33"
                """), "--ingress-class", "nginx");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("NOT served: its paths answer 503, as it asks for access control");
    }

    @Test
    void bufferingOffIsServedAsWritten() {
        Run run = check(SEED.replace("    kubernetes.io/ingress.class: \"nginx\"\n", """
                    kubernetes.io/ingress.class: "nginx"
                    nginx.ingress.kubernetes.io/proxy-buffering: "off"
                """), "--ingress-class", "nginx");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("served as written",
                "supported    nginx.ingress.kubernetes.io/proxy-buffering=off", "what Caravan does anyway");
    }

    @Test
    void aRegexPathThatIsNoRegexIsAWarningAndExitIs1() {
        // the seed's rewrite-target makes its paths regexes
        Run run = check(SEED.replace("path: /echo-hostname", "path: /echo-(hostname"), "--ingress-class", "nginx");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("Ingress default/ingress-example: served, but not all as written",
                "warning      path /echo-(hostname is not a regular expression (Unclosed group); it is matched literally");
    }

    @Test
    void nothingToReadIsExit2() {
        Run run = check("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("no networking.k8s.io/v1 Ingress found");
    }

    private static String annotated(String annotations) {
        return SEED.replace("    kubernetes.io/ingress.class: \"nginx\"\n", "    kubernetes.io/ingress.class: \"nginx\"\n"
                + annotations);
    }

    private static final String SECURITY_HEADERS = """
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: security-headers}
            data:
              X-Frame-Options: DENY
              Referrer-Policy: no-referrer
            """;

    @Test
    void customHeadersAreCheckedAgainstTheAllowedHeadersWhenTheirConfigMapIsRead() {
        String input = annotated("    nginx.ingress.kubernetes.io/custom-headers: security-headers\n") + SECURITY_HEADERS;
        Run denied = check(input, "--ingress-class", "nginx", "--global-allowed-response-headers", "X-Frame-Options");
        assertThat(denied.exit()).isEqualTo(1);
        assertThat(denied.out()).contains("NOT served: its paths answer 503",
                "invalid      nginx.ingress.kubernetes.io/custom-headers=security-headers\n               ConfigMap"
                        + " default/security-headers sets Referrer-Policy, which is not among the headers"
                        + " --global-allowed-response-headers allows");
        Run served = check(input, "--ingress-class", "nginx", "--global-allowed-response-headers",
                "x-frame-options,referrer-policy");
        assertThat(served.exit()).isZero();
        assertThat(served.out()).contains("served as written").doesNotContain("unchecked");
    }

    @Test
    void aSecretOrConfigMapNotAmongTheManifestsIsListedAsUncheckedWithoutFailing() {
        Run run = check(annotated("""
                    nginx.ingress.kubernetes.io/auth-type: basic
                    nginx.ingress.kubernetes.io/auth-secret: users
                    nginx.ingress.kubernetes.io/custom-headers: ops/security-headers
                """), "--ingress-class", "nginx", "--allow-cross-namespace-resources");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("served as written",
                "unchecked    Secret default/users (nginx.ingress.kubernetes.io/auth-secret): not among the manifests read",
                "unchecked    ConfigMap ops/security-headers (nginx.ingress.kubernetes.io/custom-headers): not among"
                        + " the manifests read");
    }

    @Test
    void aBasicAuthSecretWithoutUsersMakesTheIngressAnswer503() {
        Run run = check(annotated("""
                    nginx.ingress.kubernetes.io/auth-type: basic
                    nginx.ingress.kubernetes.io/auth-secret: users
                """) + """
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: users}
                data: {passwd: YWxpY2U6eA==}
                """, "--ingress-class", "nginx");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("NOT served: its paths answer 503",
                "invalid      nginx.ingress.kubernetes.io/auth-secret=users\n               Secret default/users");
        // said once, as the annotation's verdict
        assertThat(run.out().split("auth-secret=", -1)).hasSize(2);
    }

    @Test
    void aTlsSecretThatCannotBeServedIsAWarning() {
        TestCertificates authority = new TestCertificates();
        String secret = TestCertificates.secret("shop-tls", authority.issueClient("CN=shop").certificatePem(),
                authority.issueClient("CN=other").keyPem());
        String input = SEED.replace("spec:\n", "spec:\n  tls:\n  - hosts: [alicek106.example.com]\n"
                + "    secretName: shop-tls\n") + "---\n" + secret;
        Run run = check(input, "--ingress-class", "nginx");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("served, but not all as written", "warning      TLS Secret default/shop-tls: ",
                "; alicek106.example.com gets the default certificate");
        Run otherHost = check(SEED.replace("spec:\n", "spec:\n  tls:\n  - hosts: [alicek106.example.com]\n"
                + "    secretName: shop-tls\n") + "---\n" + authority.issue("shop.example.com").secret("shop-tls"),
                "--ingress-class", "nginx");
        assertThat(otherHost.exit()).isEqualTo(1);
        assertThat(otherHost.out()).contains("warning      TLS Secret default/shop-tls: its certificate is not for"
                + " alicek106.example.com (it names shop.example.com); alicek106.example.com gets the default certificate");
        Run missing = check(SEED.replace("spec:\n", "spec:\n  tls:\n  - secretName: shop-tls\n"), "--ingress-class",
                "nginx");
        assertThat(missing.exit()).isZero();
        assertThat(missing.out()).contains("unchecked    Secret default/shop-tls (spec.tls)");
    }

    @Test
    void aRequestRouteIsUncheckedAndAFileThatCannotBeParsedIsExit2(@TempDir Path folder) throws Exception {
        Files.writeString(folder.resolve("good.yaml"), annotated("    caravan.dev/request-route: api-key-check\n"));
        Run routed = run("", List.of("--ingress-class", "nginx", folder.toString()));
        assertThat(routed.exit()).isZero();
        assertThat(routed.out()).contains("served as written, if what is unchecked below is as it needs",
                "unchecked    Camel route api-key-check (caravan.dev/request-route): check reads no routes");
        // a CamelRoute backend is as unchecked: what its route does is the server's to know
        Run backend = check(SEED.replace("service:\n            name: hostname-service\n            port:\n"
                + "              number: 80\n", "resource:\n            apiGroup: caravan.dev\n            kind: CamelRoute\n"
                + "            name: greeter\n"), "--ingress-class", "nginx");
        assertThat(backend.exit()).isZero();
        assertThat(backend.out()).contains("served as written, if what is unchecked below is as it needs",
                "unchecked    Camel route greeter (a CamelRoute backend): check reads no routes");
        // a chart's own files are no Kubernetes objects: said, not counted against the gate
        Files.writeString(folder.resolve("Chart.yaml"), "apiVersion: v2\nname: shop\nversion: 1.0.0\n");
        Run chart = run("", List.of("--ingress-class", "nginx", folder.toString()));
        assertThat(chart.exit()).isZero();
        assertThat(chart.err()).contains("Chart.yaml");
        Files.writeString(folder.resolve("broken.yaml"), "apiVersion: networking.k8s.io/v1\nkind: Ingress\n"
                + "metadata: {name: broken\n");
        Run broken = run("", List.of("--ingress-class", "nginx", folder.toString()));
        assertThat(broken.exit()).isEqualTo(2);
        assertThat(broken.out()).contains("Ingress default/ingress-example");
        assertThat(broken.err()).contains("broken.yaml", "1 source could not be read whole");
        Run help = run("", List.of("--help"));
        assertThat(help.exit()).isZero();
        assertThat(help.out()).startsWith("caravan check [--ingress-class NAME]");
    }

    @Test
    void aHeaderListThatIsNoListOfHeaderNamesIsExit2() {
        Run run = check(SEED, "--global-allowed-response-headers", "Content-Length");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("'Content-Length' frames the response");
    }

    @Test
    void docsListEveryAnnotationOfTheCatalogWithItsSupport() throws Exception {
        String docs = Files.readString(Path.of("docs", "annotations.md"), StandardCharsets.UTF_8);
        AnnotationCatalog.entries().forEach((name, entry) -> assertThat(docs)
                .as("docs/annotations.md row for " + name)
                .contains("| `" + name + "` | " + entry.support().name().toLowerCase() + " |"));
    }

    @Test
    void anAuthUrlWithHostOnARuleWithoutAHostIsAWarning() {
        String hostless = SEED.replace("  - host: alicek106.example.com\n    http:", "  - http:");
        Run run = check(hostless.replace("    kubernetes.io/ingress.class: \"nginx\"\n", "    kubernetes.io/ingress.class:"
                + " \"nginx\"\n    nginx.ingress.kubernetes.io/auth-url: \"http://auth.test/check?for=$host\"\n"),
                "--ingress-class", "nginx");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("warning      auth-url or auth-signin uses $host on a rule without a host");
        // the same from the controller ConfigMap's global-auth-url
        Run global = check(hostless + "---\n" + """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: controller, namespace: ingress-nginx}
                data:
                  global-auth-url: "http://auth.test/check?for=$host"
                """, "--ingress-class", "nginx", "--configmap", "ingress-nginx/controller");
        assertThat(global.out()).contains("warning      auth-url or auth-signin uses $host on a rule without a host");
        // an Ingress without rules: its defaultBackend serves any Host
        String rulesless = SEED.replaceFirst("(?s)  rules:.*", "  defaultBackend:\n    service:\n      name: web\n"
                + "      port:\n        number: 80\n");
        Run catchAll = check(rulesless.replace("    kubernetes.io/ingress.class: \"nginx\"\n", "    kubernetes.io/ingress.class:"
                + " \"nginx\"\n    nginx.ingress.kubernetes.io/auth-url: \"http://auth.test/check?for=$host\"\n"),
                "--ingress-class", "nginx");
        assertThat(catchAll.out()).contains("warning      auth-url or auth-signin uses $host on a rule without a host");
    }

    private static final String CONTROLLER_CONFIGMAP = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: ingress-nginx-controller
              namespace: ingress-nginx
            data:
              allow-cross-namespace-resources: "true"
              global-allowed-response-headers: X-Frame-Options,Referrer-Policy
              use-forwarded-headers: "true"
              add-headers: ingress-nginx/response-headers
              proxy-body-size: 1m
              %s
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: response-headers
              namespace: ingress-nginx
            data:
              X-Frame-Options: DENY
              X-Request: $time_local
            """;

    @Test
    void ingressNginxsConfigMapBecomesFlagsAndTheIngressesAreJudgedWithThem() {
        String input = annotated("    nginx.ingress.kubernetes.io/custom-headers: default/security-headers\n")
                + SECURITY_HEADERS + "---\n" + CONTROLLER_CONFIGMAP.formatted("map-hash-bucket-size: \"128\"");
        // without the ConfigMap's global-allowed-response-headers, the custom headers are not allowed
        assertThat(check(input, "--ingress-class", "nginx").exit()).isEqualTo(1);
        Run run = check(input, "--ingress-class", "nginx", "--configmap", "ingress-nginx/ingress-nginx-controller");
        assertThat(run.out()).contains("ConfigMap ingress-nginx/ingress-nginx-controller (ingress-nginx's --configmap)",
                "flag          use-forwarded-headers=true\n                --use-forwarded-headers\n",
                "as Caravan    proxy-body-size=1m\n                Caravan's default --proxy-body-size 1m",
                "not needed    map-hash-bucket-size=128",
                "invalid       --add-headers: ConfigMap ingress-nginx/response-headers: X-Request has $time_local, which is"
                        + " not a variable Caravan fills in: that header is not set, the others are",
                "Caravan's flags:  --add-headers=ingress-nginx/response-headers --allow-cross-namespace-resources"
                        + " --global-allowed-response-headers=X-Frame-Options,Referrer-Policy --use-forwarded-headers",
                "    CARAVAN_USE_FORWARDED_HEADERS: \"true\"",
                "Ingress default/ingress-example: served as written");
        // a response header Caravan cannot fill in differs from ingress-nginx: not all as written
        assertThat(run.exit()).isEqualTo(1);
        // the command line wins over the ConfigMap, as it wins over the environment
        Run narrowed = check(input, "--ingress-class", "nginx", "--configmap", "ingress-nginx/ingress-nginx-controller",
                "--global-allowed-response-headers", "X-Frame-Options");
        assertThat(narrowed.out()).contains("Referrer-Policy, which is not among the headers");
    }

    @Test
    void aConfigMapCaravanFollowsWholeIsExit0AndOneWithASnippetIs1() {
        String clean = CONTROLLER_CONFIGMAP.formatted("use-gzip: \"false\"").replace("X-Request: $time_local",
                "X-Request: $request_id");
        Run run = check(clean, "--configmap", "ingress-nginx/ingress-nginx-controller");
        assertThat(run.exit()).as(run.out()).isZero();
        assertThat(run.out()).contains("Caravan does the same with the flags below", "as Caravan    use-gzip=false");
        Run snippet = check(CONTROLLER_CONFIGMAP.formatted("server-snippet: \"return 403;\"").replace(
                "X-Request: $time_local", "X-Request: fixed"), "--configmap", "ingress-nginx/ingress-nginx-controller");
        assertThat(snippet.exit()).isEqualTo(1);
        assertThat(snippet.out()).contains("NOT all of it", "refused       server-snippet=return 403;");
        // a value the server leaves out, and one that keeps clients out, which it does not start on
        Run ranges = check(CONTROLLER_CONFIGMAP.formatted("whitelist-source-range: \"10.0.0.0/33\"").replace(
                "X-Request: $time_local", "X-Request: fixed"), "--configmap", "ingress-nginx/ingress-nginx-controller");
        assertThat(ranges.out()).contains("whitelist-source-range=10.0.0.0/33", "it keeps clients out: Caravan does NOT"
                + " START with it");
        Run missing = check(SEED, "--configmap", "ingress-nginx/ingress-nginx-controller");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("ConfigMap ingress-nginx/ingress-nginx-controller (--configmap) not found");
    }
}

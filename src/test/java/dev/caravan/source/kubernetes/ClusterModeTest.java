package dev.caravan.source.kubernetes;

import static dev.caravan.testing.ClusterObjects.ingress;
import static dev.caravan.testing.ClusterObjects.ingressClass;
import static dev.caravan.testing.ClusterObjects.service;
import static dev.caravan.testing.ClusterObjects.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.MockApiServer;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import dev.caravan.testing.TestCertificates;
import dev.caravan.testing.TlsClient;
import dev.caravan.tls.GeneratedCertificate;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Caravan against fabric8's mock API server in CRUD mode: objects change through the real client, traffic follows. */
class ClusterModeTest {

    private static final Duration PROPAGATION = Duration.ofSeconds(2);

    MockApiServer server;
    KubernetesClient client;
    TestBackend a;
    TestBackend b;
    CaravanHarness caravan;

    @BeforeEach
    void start() throws Exception {
        server = MockApiServer.started();
        client = server.client();
        a = TestBackend.start("127.0.0.2", "a");
        b = TestBackend.start("127.0.0.3", "b");
    }

    @AfterEach
    void stop() throws Exception {
        if (caravan != null) {
            caravan.close();
        }
        server.close();
        a.close();
        b.close();
    }

    private CaravanHarness startCaravan(String... extra) throws Exception {
        String[] args = new String[extra.length + 2];
        args[0] = "--apiserver-host";
        args[1] = client.getMasterUrl().toString();
        System.arraycopy(extra, 0, args, 2, extra.length);
        return CaravanHarness.startInCluster(args);
    }

    @Test
    void trafficFollowsCreateUpdateAndDeleteOfEveryKind() throws Exception {
        client.resource(ingressClass()).create();
        client.resource(service("svc-a")).create();
        client.resource(slice("svc-a-1", "svc-a", a)).create();
        client.resource(ingress("web", "web.example.com", "/", "svc-a")).create();
        caravan = startCaravan();
        assertThat(caravan.get("web.example.com", "/").text()).isEqualTo("a");
        assertThat(caravan.caravan().metrics().scrape()).contains("caravan_informer_synced{kind=\"endpointslices\"} 1.0")
                .contains("caravan_informer_synced{kind=\"ingresses\"} 1.0");

        // a new Service and its pods, then the Ingress moves to it
        client.resource(service("svc-b")).create();
        client.resource(slice("svc-b-1", "svc-b", b)).create();
        client.resource(ingress("web", "web.example.com", "/", "svc-b")).update();
        awaitBody("web.example.com", "b");

        // a pod added in a second slice, the first slice deleted, then the second: traffic follows, then 503
        client.resource(slice("svc-b-2", "svc-b", a)).create();
        awaitBody("web.example.com", "a");
        client.resource(slice("svc-b-1", "svc-b", b)).delete();
        awaitBody("web.example.com", "a");
        for (int i = 0; i < 5; i++) {
            assertThat(caravan.get("web.example.com", "/").text()).isEqualTo("a");
        }
        client.resource(slice("svc-b-2", "svc-b", a)).delete();
        awaitStatus("web.example.com", 503);

        // Secrets are watched but change no route; deleting the class disowns the Ingress
        client.resource(new SecretBuilder().withNewMetadata().withName("tls").withNamespace("default").endMetadata()
                .withType("kubernetes.io/tls").addToStringData("tls.crt", "x").addToStringData("tls.key", "y")
                .build()).create();
        client.resource(ingressClass()).delete();
        awaitStatus("web.example.com", 404);
        client.resource(ingressClass()).create();
        awaitStatus("web.example.com", 503);

        client.resource(ingress("web", "web.example.com", "/", "svc-b")).delete();
        awaitStatus("web.example.com", 404);
    }

    @Test
    void tlsSecretsFromTheApiServeTheirHostsAndRotate() throws Exception {
        TestCertificates authority = new TestCertificates();
        TestCertificates.Issued first = authority.issue("secure.example.com");
        TestCertificates.Issued second = authority.issue("secure.example.com");
        client.resource(ingressClass()).create();
        client.resource(service("svc-a")).create();
        client.resource(slice("svc-a-1", "svc-a", a)).create();
        client.resource(tlsSecret("secure-tls", "kubernetes.io/tls", first)).create();
        // an Opaque Secret is not read, even when an Ingress names it
        client.resource(tlsSecret("opaque", "Opaque", first)).create();
        Ingress secure = ingress("secure", "secure.example.com", "/", "svc-a");
        secure.getSpec().setTls(java.util.List.of(new io.fabric8.kubernetes.api.model.networking.v1.IngressTLSBuilder()
                .addToHosts("secure.example.com").withSecretName("secure-tls").build(),
                new io.fabric8.kubernetes.api.model.networking.v1.IngressTLSBuilder()
                        .addToHosts("opaque.example.com").withSecretName("opaque").build()));
        client.resource(secure).create();
        caravan = startCaravan();
        assertThat(TlsClient.served(caravan.httpsPort(), "secure.example.com")).isEqualTo(first.certificate());
        assertThat(TlsClient.subject(TlsClient.served(caravan.httpsPort(), "opaque.example.com")))
                .contains(GeneratedCertificate.NAME);
        try (RawHttp https = TlsClient.http(caravan.httpsPort(), "secure.example.com", authority.clientContext())) {
            https.send("GET / HTTP/1.1\r\nHost: secure.example.com\r\n\r\n");
            assertThat(https.read(false).text()).isEqualTo("a");
        }

        client.resource(tlsSecret("secure-tls", "kubernetes.io/tls", second)).update();
        await().atMost(PROPAGATION).until(() -> TlsClient.served(caravan.httpsPort(), "secure.example.com")
                .equals(second.certificate()));
        client.resource(tlsSecret("secure-tls", "kubernetes.io/tls", second)).delete();
        await().atMost(PROPAGATION).until(() -> TlsClient.subject(TlsClient.served(caravan.httpsPort(),
                "secure.example.com")).contains(GeneratedCertificate.NAME));
    }

    @Test
    void basicAuthUsersComeFromOpaqueSecretsButNeverFromServiceAccountTokens() throws Exception {
        String htpasswd = java.util.Base64.getEncoder().encodeToString(("ann:" + org.apache.commons.codec.digest.Md5Crypt
                .apr1Crypt("ann-pass")).getBytes());
        client.resource(ingressClass()).create();
        client.resource(service("svc-a")).create();
        client.resource(slice("svc-a-1", "svc-a", a)).create();
        client.resource(new SecretBuilder().withNewMetadata().withName("users").withNamespace("default").endMetadata()
                .withType("Opaque").addToData("auth", htpasswd).build()).create();
        client.resource(new SecretBuilder().withNewMetadata().withName("token").withNamespace("default").endMetadata()
                .withType("kubernetes.io/service-account-token").addToData("auth", htpasswd).build()).create();
        for (String[] protectedBy : new String[][] {{"guarded", "users"}, {"tokened", "token"}}) {
            Ingress ingress = ingress(protectedBy[0], protectedBy[0] + ".example.com", "/", "svc-a");
            ingress.getMetadata().setAnnotations(java.util.Map.of("nginx.ingress.kubernetes.io/auth-type", "basic",
                    "nginx.ingress.kubernetes.io/auth-secret", protectedBy[1]));
            client.resource(ingress).create();
        }
        caravan = startCaravan();
        assertThat(caravan.get("guarded.example.com", "/").status()).isEqualTo(401);
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("GET / HTTP/1.1\r\nHost: guarded.example.com\r\nAuthorization: Basic "
                    + java.util.Base64.getEncoder().encodeToString("ann:ann-pass".getBytes()) + "\r\n\r\n");
            assertThat(http.read(false).text()).isEqualTo("a");
        }
        // a token Secret is not even read (the API server filters by type, and Caravan again): the Ingress naming it
        // is denied, its paths answering 503
        assertThat(server.requests()).anyMatch(request -> request.contains("/api/v1/secrets?")
                && request.contains("fieldSelector=type%21%3Dkubernetes.io%2Fservice-account-token"));
        assertThat(caravan.get("tokened.example.com", "/").status()).isEqualTo(503);
        assertThat(caravan.caravan().lastCompilation().problems()).anySatisfy(problem -> {
            assertThat(problem.ingress().name()).isEqualTo("tokened");
            assertThat(problem.message()).contains("default/token does not exist");
        });
    }

    @Test
    void customHeadersComeFromAConfigMapAndFollowItsEdits() throws Exception {
        client.resource(ingressClass()).create();
        client.resource(service("svc-a")).create();
        client.resource(slice("svc-a-1", "svc-a", a)).create();
        client.resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder().withNewMetadata().withName("headers")
                .withNamespace("default").endMetadata().addToData("X-Frame-Options", "DENY").build()).create();
        Ingress ingress = ingress("framed", "framed.example.com", "/", "svc-a");
        ingress.getMetadata().setAnnotations(java.util.Map.of("nginx.ingress.kubernetes.io/custom-headers", "headers"));
        client.resource(ingress).create();
        caravan = startCaravan("--global-allowed-response-headers", "X-Frame-Options");
        assertThat(caravan.get("framed.example.com", "/").header("X-Frame-Options")).isEqualTo("DENY");

        client.configMaps().inNamespace("default").withName("headers")
                .edit(map -> new io.fabric8.kubernetes.api.model.ConfigMapBuilder(map)
                        .addToData("X-Frame-Options", "SAMEORIGIN").build());
        await().atMost(PROPAGATION).pollInterval(Duration.ofMillis(50)).until(() ->
                "SAMEORIGIN".equals(caravan.get("framed.example.com", "/").header("X-Frame-Options")));
        // gone: the Ingress is invalid, and its last valid version, whose ConfigMap is gone too, is denied
        client.configMaps().inNamespace("default").withName("headers").delete();
        awaitStatus("framed.example.com", 503);
        assertThat(caravan.caravan().lastCompilation().problems()).anySatisfy(problem ->
                assertThat(problem.message()).contains("custom-headers: ConfigMap default/headers does not exist"));
        // made again: served again, with its headers
        client.resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder().withNewMetadata().withName("headers")
                .withNamespace("default").endMetadata().addToData("X-Frame-Options", "DENY").build()).create();
        awaitStatus("framed.example.com", 200);
        assertThat(caravan.get("framed.example.com", "/").header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(server.requests()).anyMatch(request -> request.contains("/api/v1/configmaps?")
                && request.contains("labelSelector=OWNER%21%3DTILLER"));
    }

    private static io.fabric8.kubernetes.api.model.Secret tlsSecret(String name, String type,
            TestCertificates.Issued issued) {
        java.util.Base64.Encoder base64 = java.util.Base64.getEncoder();
        return new SecretBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withType(type).addToData("tls.crt", base64.encodeToString(issued.certificatePem().getBytes()))
                .addToData("tls.key", base64.encodeToString(issued.keyPem().getBytes())).build();
    }

    @Test
    void endpointsObjectsServeServicesWithoutSlices() throws Exception {
        client.resource(ingressClass()).create();
        client.resource(service("legacy")).create();
        client.resource(new io.fabric8.kubernetes.api.model.EndpointsBuilder().withNewMetadata().withName("legacy")
                .withNamespace("default").endMetadata().addNewSubset().addNewAddress().withIp(a.ip()).endAddress()
                .addNewPort().withName("http").withPort(a.port()).endPort().endSubset().build()).create();
        client.resource(ingress("old", "old.example.com", "/", "legacy")).create();
        caravan = startCaravan();
        assertThat(caravan.get("old.example.com", "/").text()).isEqualTo("a");
    }

    @Test
    void badObjectsNeverStallTheController() throws Exception {
        client.resource(ingressClass()).create();
        client.resource(service("svc-a")).create();
        client.resource(slice("svc-a-1", "svc-a", a)).create();
        caravan = startCaravan();
        Ingress missingPort = ingress("bad-port", "bad.example.com", "/", "svc-a");
        missingPort.getSpec().getRules().get(0).getHttp().getPaths().get(0).getBackend().getService().getPort()
                .setName("grpc");
        client.resource(missingPort).create();
        client.resource(ingress("ghost", "ghost.example.com", "/", "no-such-service")).create();
        Ingress noPathType = ingress("invalid", "invalid.example.com", "/", "svc-a");
        noPathType.getSpec().getRules().get(0).getHttp().getPaths().get(0).setPathType(null);
        client.resource(noPathType).create();
        client.resource(ingress("good", "good.example.com", "/", "svc-a")).create();

        awaitBody("good.example.com", "a");
        assertThat(caravan.get("bad.example.com", "/").status()).isEqualTo(503);
        assertThat(caravan.get("ghost.example.com", "/").status()).isEqualTo(503);
        assertThat(caravan.get("invalid.example.com", "/").status()).isEqualTo(404);
    }

    private void awaitBody(String host, String body) {
        await().atMost(PROPAGATION).pollInterval(Duration.ofMillis(50))
                .until(() -> caravan.get(host, "/").text().equals(body));
    }

    private void awaitStatus(String host, int status) {
        await().atMost(PROPAGATION).pollInterval(Duration.ofMillis(50))
                .until(() -> caravan.get(host, "/").status() == status);
    }
}

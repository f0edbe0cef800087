package dev.caravan.tls;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.compile.Problem;
import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.PresentingKeyManager;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.RawHttp2;
import dev.caravan.testing.TestBackend;
import dev.caravan.testing.TestCertificates;
import dev.caravan.testing.TlsClient;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client certificate authentication (auth-tls-*) over real TLS handshakes with SNI: what the pod is told, what a
 * client without a good certificate gets, and the hosts that ask for none.
 */
class ClientCertificateAuthTest {

    private static final String NGINX = "nginx.ingress.kubernetes.io/";

    @TempDir
    static Path manifests;
    static TestCertificates servers = new TestCertificates();
    // in the order certificates hold their names, which RFC 2253 (and nginx) write the other way round
    static TestCertificates clients = new TestCertificates("O=Example,CN=Clients Root");
    static TestCertificates strangers = new TestCertificates("CN=Someone Else");
    static TestCertificates.Issued serverCertificate = servers.issue("*.example.test");
    static TestCertificates.Issued alice = clients.issueClient("O=Example,CN=alice");
    static TestCertificates.Issued bob = clients.issueClient("O=Example,CN=bob");
    static TestCertificates.Issued mallory = strangers.issueClient("CN=mallory");
    static TestBackend backend;
    static CaravanHarness caravan;

    @BeforeAll
    static void start() throws Exception {
        backend = TestBackend.start("127.0.0.2", "pod");
        backend.respond(request -> TestBackend.text(HttpResponseStatus.OK, "verify=" + request.headers().get(
                "ssl-client-verify") + "|subject=" + request.headers().get("ssl-client-subject-dn") + "|issuer="
                + request.headers().get("ssl-client-issuer-dn") + "|cert=" + request.headers().get("ssl-client-cert")));
        String ca = """
                apiVersion: v1
                kind: Secret
                metadata:
                  name: clients-ca
                type: Opaque
                data:
                  ca.crt: %s
                """.formatted(Base64.getEncoder().encodeToString(clients.caPem().getBytes(StandardCharsets.US_ASCII)));
        write(manifests, "base.yaml", Manifests.ingressClass() + "---\n" + Manifests.service("svc", backend) + "---\n"
                + serverCertificate.secret("wild-tls") + "---\n" + ca);
        write(manifests, "ingresses.yaml", String.join("---\n",
                ingress("mtls", "mtls.example.test", "/", Map.of(NGINX + "auth-tls-pass-certificate-to-upstream", "true",
                        NGINX + "ssl-redirect", "false")),
                ingress("optional", "optional.example.test", "/", Map.of(NGINX + "auth-tls-verify-client", "optional")),
                ingress("no-ca", "noca.example.test", "/", Map.of(NGINX + "auth-tls-verify-client", "optional_no_ca")),
                ingress("alice-only", "alice.example.test", "/", Map.of(NGINX + "auth-tls-match-cn", "CN=alice")),
                ingress("error-page", "errors.example.test", "/", Map.of(NGINX + "auth-tls-error-page",
                        "https://help.example.test/certificates")),
                Manifests.withTls(Manifests.ingress("plain", "plain.example.test", "/", "svc"), "plain.example.test",
                        "wild-tls"),
                ingress("broken", "broken.example.test", "/", Map.of(NGINX + "auth-tls-secret", "missing")),
                Manifests.withTls(Manifests.ingress("broken-neighbour", "broken.example.test", "/open", "svc"),
                        "broken.example.test", "wild-tls"),
                // younger, and asking for other certificates on the same host: not served there
                ingress("mtls-weaker", "mtls.example.test", "/weaker", Map.of(NGINX + "auth-tls-verify-client",
                        "optional")).replace("  name: mtls-weaker\n",
                                "  name: mtls-weaker\n  creationTimestamp: \"2030-01-01T00:00:00Z\"\n")));
        write(manifests, "later.yaml", laterIngress(Map.of()));
        // with underscores let through, so that their ssl_client_* spellings must be removed here
        caravan = CaravanHarness.start(manifests, "--enable-underscores-in-headers");
    }

    @AfterAll
    static void stop() throws Exception {
        caravan.close();
        backend.close();
    }

    @Test
    void aGoodCertificateReachesThePodWhichIsToldWhoItIs() throws Exception {
        RawHttp.Response response = get("mtls.example.test", "mtls.example.test", withCertificate(alice), "");
        assertThat(response.status()).isEqualTo(200);
        Map<String, String> told = told(response);
        assertThat(told).containsEntry("verify", "SUCCESS").containsEntry("subject", "CN=alice,O=Example")
                .containsEntry("issuer", "CN=Clients Root,O=Example");
        String certificate = told.get("cert");
        assertThat(certificate).startsWith("-----BEGIN%20CERTIFICATE-----%0A").doesNotContain("+", "/", "=", "\n");
        String pem = URLDecoder.decode(certificate, StandardCharsets.US_ASCII);
        assertThat(pem).isEqualTo(TestCertificates.pemOf(alice.certificate()));
    }

    @Test
    void withoutAGoodCertificateAClientGets400AndThePodNothing() throws Exception {
        int before = backend.seen().size();
        RawHttp.Response none = get("mtls.example.test", "mtls.example.test", withoutCertificate(), "");
        assertThat(none.status()).isEqualTo(400);
        assertThat(none.text()).contains("no required SSL certificate was sent");
        RawHttp.Response stranger = get("mtls.example.test", "mtls.example.test", withCertificate(mallory), "");
        assertThat(stranger.status()).isEqualTo(400);
        assertThat(stranger.text()).contains("the SSL certificate error");
        // plain HTTP carries no certificate
        assertThat(RawHttp.get(caravan.httpPort(), "mtls.example.test", "/").status()).isEqualTo(400);
        assertThat(backend.seen()).hasSize(before);
    }

    @Test
    void optionalLetsAClientWithoutOneOnButNotOneWithABadOne() throws Exception {
        // the client's own ssl-client-* headers never reach the pod
        RawHttp.Response none = get("optional.example.test", "optional.example.test", withoutCertificate(),
                "ssl-client-verify: SUCCESS\r\nSSL_Client_Subject_DN: CN=admin\r\n");
        assertThat(none.status()).isEqualTo(200);
        assertThat(told(none)).containsEntry("verify", "NONE").containsEntry("subject", "null");
        assertThat(backend.last().headers().names()).noneMatch(name -> name.equalsIgnoreCase("ssl_client_subject_dn"));
        assertThat(get("optional.example.test", "optional.example.test", withCertificate(mallory), "").status())
                .isEqualTo(400);
        RawHttp.Response good = get("optional.example.test", "optional.example.test", withCertificate(bob), "");
        assertThat(told(good)).containsEntry("verify", "SUCCESS").containsEntry("subject", "CN=bob,O=Example")
                .containsEntry("cert", "null");
    }

    @Test
    void optionalNoCaTakesAnyCertificateAndTellsThePodWhatWasWrong() throws Exception {
        RawHttp.Response response = get("noca.example.test", "noca.example.test", withCertificate(mallory), "");
        assertThat(response.status()).isEqualTo(200);
        assertThat(told(response)).containsEntry("verify", "FAILED:unable to get local issuer certificate")
                .containsEntry("subject", "CN=mallory");
    }

    @Test
    void aSubjectThatDoesNotMatchGets403() throws Exception {
        assertThat(get("alice.example.test", "alice.example.test", withCertificate(alice), "").status())
                .isEqualTo(200);
        RawHttp.Response bobs = get("alice.example.test", "alice.example.test", withCertificate(bob), "");
        assertThat(bobs.status()).isEqualTo(403);
        assertThat(bobs.text()).contains("client certificate unauthorized");
    }

    @Test
    void anErrorPageIsWhereAClientWithoutAGoodCertificateIsSent() throws Exception {
        RawHttp.Response response = get("errors.example.test", "errors.example.test", withoutCertificate(), "");
        assertThat(response.status()).isEqualTo(302);
        assertThat(response.header("Location")).isEqualTo("https://help.example.test/certificates");
        assertThat(get("errors.example.test", "errors.example.test", withCertificate(alice), "").status())
                .isEqualTo(200);
    }

    @Test
    void aConnectionMadeForAnotherHostIsMisdirected() throws Exception {
        // the handshake for plain.example.test asked for no certificate: a request for mtls.example.test on it is 421
        RawHttp.Response response = get("plain.example.test", "mtls.example.test", withCertificate(alice), "");
        assertThat(response.status()).isEqualTo(421);
        // a host that asks for none serves on any connection, and its pod is told nothing
        RawHttp.Response plain = get("mtls.example.test", "plain.example.test", withCertificate(alice), "");
        assertThat(plain.status()).isEqualTo(200);
        assertThat(told(plain)).containsEntry("verify", "null");
    }

    @Test
    void http2StreamsAreCheckedAgainstTheirConnectionsCertificate() throws Exception {
        try (RawHttp2 h2 = RawHttp2.connect(caravan.httpsPort(), "mtls.example.test", withCertificate(alice))) {
            for (int stream : new int[] {1, 3}) {
                h2.headers(stream, true, ":method", "GET", ":scheme", "https", ":authority", "mtls.example.test",
                        ":path", "/");
                assertThat(h2.await(RawHttp2.HEADERS, stream, 5000).payload()[0]).as(":status 200")
                        .isEqualTo((byte) 0x88);
                assertThat(new String(h2.await(RawHttp2.DATA, stream, 5000).payload(), StandardCharsets.UTF_8))
                        .contains("verify=SUCCESS", "subject=CN=alice,O=Example");
            }
        }
        try (RawHttp2 h2 = RawHttp2.connect(caravan.httpsPort(), "mtls.example.test", withoutCertificate())) {
            h2.headers(1, true, ":method", "GET", ":scheme", "https", ":authority", "mtls.example.test", ":path", "/");
            assertThat(h2.await(RawHttp2.HEADERS, 1, 5000).payload()[0]).as(":status 400").isEqualTo((byte) 0x8c);
        }
    }

    @Test
    void authoritiesThatCannotBeReadRefuseTheWholeHost() throws Exception {
        for (String path : new String[] {"/", "/open"}) {
            try (RawHttp https = TlsClient.http(caravan.httpsPort(), "broken.example.test", withCertificate(alice))) {
                https.send("GET " + path + " HTTP/1.1\r\nHost: broken.example.test\r\n\r\n");
                RawHttp.Response response = https.read(false);
                assertThat(response.status()).as(path).isEqualTo(403);
                assertThat(response.text()).contains("auth-tls-secret");
            }
        }
        assertThat(caravan.caravan().lastCompilation().problems()).anySatisfy(problem -> {
            assertThat(problem.ingress().name()).isEqualTo("broken");
            assertThat(problem.message()).contains("default/missing does not exist", "403");
        });
    }

    @Test
    void aYoungerIngressAskingForOtherCertificatesIsNotServedOnTheHost() throws Exception {
        // /weaker is the older Ingress's /, under its certificates
        assertThat(caravan.caravan().lastCompilation().table().resolve("mtls.example.test", "/weaker").rule().ingress()
                .name()).isEqualTo("mtls");
        assertThat(caravan.caravan().lastCompilation().problems()).anySatisfy(problem -> {
            assertThat(problem.ingress().name()).isEqualTo("mtls-weaker");
            assertThat(problem.reason()).isEqualTo(Problem.CONFLICT);
            assertThat(problem.message()).contains("auth-tls", "not served");
        });
    }

    @Test
    void theHandshakeNamesTheAuthoritiesOfItsHost() throws Exception {
        PresentingKeyManager keys = TestCertificates.presenting(alice);
        SSLContext context = TestCertificates.clientContext(servers.ca(), keys);
        assertThat(get("mtls.example.test", "mtls.example.test", context, "").status()).isEqualTo(200);
        // as RFC 2253 writes them: the authorities' names, for a client holding several certificates to choose by
        assertThat(keys.named()).containsExactly(List.of("CN=Clients Root,O=Example"));
        // a host that asks for none asks for none
        assertThat(get("plain.example.test", "plain.example.test", context, "").status()).isEqualTo(200);
        assertThat(keys.named()).hasSize(1);
    }

    @Test
    void aClientThatChoosesByTheNamedAuthoritiesSendsNoneTheyDidNotIssue() throws Exception {
        // the JDK's own key manager, as browsers, offers only a certificate of an authority the server names
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("mallory", mallory.keys().getPrivate(), new char[0],
                new X509Certificate[] {mallory.certificate()});
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keys, new char[0]);
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("ca", servers.ca());
        trust.init(trusted);
        SSLContext browser = SSLContext.getInstance("TLS");
        browser.init(factory.getKeyManagers(), trust.getTrustManagers(), null);
        RawHttp.Response response = get("mtls.example.test", "mtls.example.test", browser, "");
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.text()).contains("no required SSL certificate was sent");
    }

    @Test
    void aSessionFromBeforeTheHostAskedIsNotResumedWithoutACertificate() throws Exception {
        // as the suite left it, should this test run again
        write(manifests, "later.yaml", laterIngress(Map.of()));
        caravan.awaitResponse("later.example.test", "/", response -> response.status() == 200);
        SSLContext tls12 = TestCertificates.clientContext("TLSv1.2", servers.ca(), TestCertificates.presenting(alice));
        byte[] first = sessionAndStatus(tls12, 200).getId();
        // a host that asks for nothing resumes the session (else this test would show nothing)
        assertThat(sessionAndStatus(tls12, 200).getId()).isEqualTo(first);

        write(manifests, "later.yaml", laterIngress(Map.of(NGINX + "auth-tls-secret", "clients-ca")));
        // the listeners' table asks now: plain HTTP, which carries no certificate, is refused
        caravan.awaitResponse("later.example.test", "/", response -> response.status() == 400);

        // resumed, the session would carry no certificate: a full handshake asks for one
        SSLSession asked = sessionAndStatus(tls12, 200);
        assertThat(asked.getId()).isNotEqualTo(first);
        assertThat(asked.getLocalCertificates()).isNotNull();
    }

    /** The TLS session of a GET of later.example.test that answered {@code status}. */
    private static SSLSession sessionAndStatus(SSLContext context, int status) throws Exception {
        SSLSocket socket = TlsClient.connect(caravan.httpsPort(), "later.example.test", context);
        try (RawHttp https = new RawHttp(socket, 20_000)) {
            https.send("GET / HTTP/1.1\r\nHost: later.example.test\r\n\r\n");
            RawHttp.Response response = https.read(false);
            assertThat(response.status()).as(response.text()).isEqualTo(status);
            return socket.getSession();
        }
    }

    private static String laterIngress(Map<String, String> annotations) {
        Map<String, String> all = new HashMap<>(annotations);
        all.put(NGINX + "ssl-redirect", "false");
        return Manifests.withTls(Manifests.ingress("later", "later.example.test", "/", "svc", all),
                "later.example.test", "wild-tls");
    }

    private static String ingress(String name, String host, String path, Map<String, String> annotations) {
        Map<String, String> all = new HashMap<>(annotations);
        all.putIfAbsent(NGINX + "auth-tls-secret", "clients-ca");
        return Manifests.withTls(Manifests.ingress(name, host, path, "svc", all), host, "wild-tls");
    }

    private static SSLContext withCertificate(TestCertificates.Issued client) {
        return TestCertificates.clientContext(servers.ca(), client);
    }

    private static SSLContext withoutCertificate() {
        return servers.clientContext();
    }

    private static RawHttp.Response get(String serverName, String host, SSLContext context, String headers)
            throws Exception {
        try (RawHttp https = TlsClient.http(caravan.httpsPort(), serverName, context)) {
            https.send("GET / HTTP/1.1\r\nHost: " + host + "\r\n" + headers + "\r\n");
            return https.read(false);
        }
    }

    /** What the pod was told, by name. */
    private static Map<String, String> told(RawHttp.Response response) {
        Map<String, String> told = new HashMap<>();
        for (String part : response.text().split("\\|")) {
            int equals = part.indexOf('=');
            told.put(part.substring(0, equals), part.substring(equals + 1));
        }
        return told;
    }
}

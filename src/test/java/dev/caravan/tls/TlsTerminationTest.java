package dev.caravan.tls;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.caravan.compile.Problem;
import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import dev.caravan.testing.TestCertificates;
import dev.caravan.testing.TlsClient;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS termination over real handshakes: certificates by SNI, rotation, broken Secrets, redirects, HSTS, HTTP/2. */
class TlsTerminationTest {

    private static final String NGINX = "nginx.ingress.kubernetes.io/";

    @TempDir
    static Path manifests;
    static TestCertificates authority = new TestCertificates();
    static TestBackend backend;
    static CaravanHarness caravan;
    static TestCertificates.Issued exact = authority.issue("a.example.test");
    static TestCertificates.Issued wildcard = authority.issue("*.wild.example.test");
    static TestCertificates.Issued local = authority.issue("localhost");
    static TestCertificates.Issued twoNames = authority.issue("main.example.test", "www.alias.test");

    @BeforeAll
    static void start() throws Exception {
        backend = TestBackend.start("127.0.0.2", "pod");
        backend.respond(request -> TestBackend.text(HttpResponseStatus.OK, "pod saw " + request.uri() + " via "
                + request.headers().get("X-Forwarded-Proto")));
        write(manifests, "base.yaml", Manifests.ingressClass() + "---\n" + Manifests.service("svc", backend));
        write(manifests, "secrets.yaml", String.join("---\n", exact.secret("a-tls"), wildcard.secret("wild-tls"),
                local.secret("local-tls"), twoNames.secret("two-names-tls"),
                // a certificate whose key is another one's
                TestCertificates.secret("mismatched-tls", authority.issue("bad.example.test").certificatePem(),
                        exact.keyPem()),
                TestCertificates.secret("garbage-tls", "not a certificate", "not a key")));
        write(manifests, "ingresses.yaml", String.join("---\n",
                Manifests.tlsIngress("a", "a.example.test", "/", "svc", "a.example.test", "a-tls"),
                Manifests.tlsIngress("wild", "*.wild.example.test", "/", "svc", "*.wild.example.test", "wild-tls"),
                Manifests.tlsIngress("local", "localhost", "/", "svc", "localhost", "local-tls"),
                Manifests.tlsIngress("mismatched", "bad.example.test", "/", "svc", "bad.example.test", "mismatched-tls"),
                Manifests.tlsIngress("garbage", "garbage.example.test", "/", "svc", "garbage.example.test",
                        "garbage-tls"),
                Manifests.tlsIngress("missing", "missing.example.test", "/", "svc", "missing.example.test", "nope"),
                Manifests.withTls(Manifests.ingress("no-redirect", "optout.example.test", "/", "svc",
                        Map.of(NGINX + "ssl-redirect", "false")), "optout.example.test", "a-tls"),
                Manifests.withTls(Manifests.ingress("keep-slash", "slash.example.test", "/", "svc",
                        Map.of(NGINX + "preserve-trailing-slash", "true")), "slash.example.test", "a-tls"),
                Manifests.ingress("forced", "forced.example.test", "/", "svc",
                        Map.of(NGINX + "force-ssl-redirect", "true")),
                Manifests.ingress("plain", "plain.example.test", "/", "svc"),
                // cert-manager's HTTP-01 solver for a host with TLS
                Manifests.ingress("solver", "a.example.test", "/.well-known/acme-challenge/token", "svc"),
                // spec.tls without hosts: for the Ingress's hosts
                Manifests.ingress("hostless-tls", "h.wild.example.test", "/", "svc").replaceFirst(
                        "(?m)^  ingressClassName: caravan\n", "  ingressClassName: caravan\n  tls:\n"
                                + "    - secretName: wild-tls\n"),
                Manifests.withTls(Manifests.ingress("aliased", "main.example.test", "/", "svc",
                        Map.of(NGINX + "server-alias", "www.alias.test, bare.alias.test")), "main.example.test",
                        "two-names-tls")));
        caravan = CaravanHarness.start(manifests, "--https-redirect-port", "8443", "--client-header-timeout", "2");
    }

    @AfterAll
    static void stop() throws Exception {
        caravan.close();
        backend.close();
    }

    @Test
    void eachServerNameGetsItsCertificate() throws Exception {
        assertThat(served("a.example.test")).isEqualTo(exact.certificate());
        assertThat(served("A.Example.Test")).isEqualTo(exact.certificate());
        assertThat(served("x.wild.example.test")).isEqualTo(wildcard.certificate());
        // a wildcard covers one label only
        assertThat(TlsClient.subject(served("y.x.wild.example.test"))).contains(GeneratedCertificate.NAME);
        assertThat(TlsClient.subject(served("unknown.example.test"))).contains(GeneratedCertificate.NAME);
        assertThat(TlsClient.subject(served(null))).contains(GeneratedCertificate.NAME);
    }

    @Test
    void requestsOverTlsReachThePod() throws Exception {
        try (RawHttp https = https("x.wild.example.test", authority.clientContext())) {
            https.send("GET /hello HTTP/1.1\r\nHost: x.wild.example.test\r\n\r\n");
            RawHttp.Response response = https.read(false);
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.text()).isEqualTo("pod saw /hello via https");
            assertThat(response.header("Strict-Transport-Security")).isEqualTo("max-age=31536000; includeSubDomains");
        }
    }

    @Test
    void brokenSecretsFallBackToTheDefaultCertificateAndAreReported() throws Exception {
        assertThat(TlsClient.subject(served("bad.example.test"))).contains(GeneratedCertificate.NAME);
        assertThat(TlsClient.subject(served("garbage.example.test"))).contains(GeneratedCertificate.NAME);
        assertThat(TlsClient.subject(served("missing.example.test"))).contains(GeneratedCertificate.NAME);
        assertThat(served("a.example.test")).isEqualTo(exact.certificate());
        List<Problem> problems = caravan.caravan().lastCompilation().problems();
        assertThat(problems).anySatisfy(problem -> {
            assertThat(problem.ingress().name()).isEqualTo("mismatched");
            assertThat(problem.reason()).isEqualTo(Problem.INVALID_CERTIFICATE);
            assertThat(problem.message()).contains("tls.key does not belong to the first certificate");
        });
        assertThat(problems).anySatisfy(problem -> {
            assertThat(problem.ingress().name()).isEqualTo("garbage");
            assertThat(problem.reason()).isEqualTo(Problem.INVALID_CERTIFICATE);
        });
        assertThat(problems).anySatisfy(problem -> {
            assertThat(problem.ingress().name()).isEqualTo("missing");
            assertThat(problem.reason()).isEqualTo(Problem.SECRET_NOT_FOUND);
        });
        // as ingress-nginx: a certificate that does not name the host is not served for it
        assertThat(TlsClient.subject(served("optout.example.test"))).contains(GeneratedCertificate.NAME);
        assertThat(problems).anySatisfy(problem -> {
            assertThat(problem.ingress().name()).isEqualTo("no-redirect");
            assertThat(problem.reason()).isEqualTo(Problem.INVALID_CERTIFICATE);
            assertThat(problem.message()).isEqualTo("TLS Secret default/a-tls: its certificate is not for"
                    + " optout.example.test (it names a.example.test); optout.example.test gets the default certificate");
        });
        // the broken Secrets' hosts are still served, over the default certificate
        try (RawHttp https = https("bad.example.test", TlsClient.trustAll())) {
            https.send("GET / HTTP/1.1\r\nHost: bad.example.test\r\n\r\n");
            assertThat(https.read(false).status()).isEqualTo(200);
        }
    }

    @Test
    void aServerAliasServesItsHostWithItsHostsCertificateWhenThatIsForTheAlias() throws Exception {
        // one nginx server with more names: an alias the host's certificate is for is presented it
        assertThat(served("www.alias.test")).isEqualTo(twoNames.certificate());
        try (RawHttp https = https("www.alias.test", authority.clientContext())) {
            https.send("GET /a HTTP/1.1\r\nHost: www.alias.test\r\n\r\n");
            assertThat(https.read(false).text()).isEqualTo("pod saw /a via https");
        }
        // one it is not for gets the default certificate, as in ingress-nginx, and is served all the same
        assertThat(TlsClient.subject(served("bare.alias.test"))).contains(GeneratedCertificate.NAME);
        try (RawHttp https = https("bare.alias.test", TlsClient.trustAll())) {
            https.send("GET /b HTTP/1.1\r\nHost: bare.alias.test\r\n\r\n");
            assertThat(https.read(false).text()).isEqualTo("pod saw /b via https");
        }
        // the host's TLS sends plain HTTP for its aliases to HTTPS
        RawHttp.Response plain = RawHttp.get(caravan.httpPort(), "bare.alias.test", "/a");
        assertThat(plain.status()).isEqualTo(308);
        assertThat(plain.header("Location")).isEqualTo("https://bare.alias.test:8443/a");
    }

    @Test
    void aTlsEntryWithoutHostsIsForTheIngresssHosts() throws Exception {
        assertThat(served("h.wild.example.test")).isEqualTo(wildcard.certificate());
        assertThat(RawHttp.get(caravan.httpPort(), "h.wild.example.test", "/x").header("Location"))
                .isEqualTo("https://h.wild.example.test:8443/x");
    }

    @Test
    void plainHttpToATlsHostIsRedirectedToHttps() throws Exception {
        RawHttp.Response response = RawHttp.get(caravan.httpPort(), "a.example.test", "/shop/cart/?id=7");
        assertThat(response.status()).isEqualTo(308);
        assertThat(response.header("Location")).isEqualTo("https://a.example.test:8443/shop/cart/?id=7");
        // as ingress-nginx: a trailing slash is dropped unless preserve-trailing-slash
        assertThat(RawHttp.get(caravan.httpPort(), "a.example.test:80", "/shop/").header("Location"))
                .isEqualTo("https://a.example.test:8443/shop");
        assertThat(RawHttp.get(caravan.httpPort(), "slash.example.test", "/shop/").header("Location"))
                .isEqualTo("https://slash.example.test:8443/shop/");
        assertThat(response.header("Strict-Transport-Security")).isNull();
    }

    @Test
    void plainHttpToTheHttpsPortIsAnswered400AndClosed() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpsPort())) {
            http.send("GET /x HTTP/1.1\r\nHost: a.example.test\r\n\r\n");
            RawHttp.Response response = http.read(false);
            assertThat(response.status()).isEqualTo(400);
            assertThat(response.text()).contains("plain HTTP request was sent to the HTTPS port");
            assertThat(http.closedByPeer()).isTrue();
        }
        // the listener goes on with TLS
        assertThat(served("a.example.test")).isEqualTo(exact.certificate());
    }

    @Test
    void failedHandshakesAreCountedByWhyTheyFailed() throws Exception {
        String refused = "reason=\"certificate_refused\"";
        String notTls = "reason=\"not_tls\"";
        double refusedBefore = caravan.metric("caravan_tls_handshake_failures_total", refused);
        double notTlsBefore = caravan.metric("caravan_tls_handshake_failures_total", notTls);
        // the JDK's own trust store does not know the test authority: the client refuses the certificate with an alert
        SSLContext distrusting = SSLContext.getInstance("TLS");
        distrusting.init(null, null, null);
        assertThatThrownBy(() -> TlsClient.connect(caravan.httpsPort(), "a.example.test", distrusting).close())
                .isInstanceOf(SSLHandshakeException.class);
        // bytes that are neither TLS nor an HTTP request
        try (RawHttp garbage = new RawHttp(caravan.httpsPort())) {
            garbage.send(new byte[] {0, 1, 2, 3, 4, 5, 6, 7});
            assertThat(garbage.closedByPeer()).isTrue();
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(caravan.metric("caravan_tls_handshake_failures_total", refused)).isEqualTo(refusedBefore + 1);
            assertThat(caravan.metric("caravan_tls_handshake_failures_total", notTls)).isEqualTo(notTlsBefore + 1);
        });
    }

    @Test
    void redirectsFollowTheAnnotations() throws Exception {
        assertThat(RawHttp.get(caravan.httpPort(), "optout.example.test", "/x").text()).isEqualTo("pod saw /x via http");
        assertThat(RawHttp.get(caravan.httpPort(), "plain.example.test", "/x").status()).isEqualTo(200);
        RawHttp.Response forced = RawHttp.get(caravan.httpPort(), "forced.example.test", "/x");
        assertThat(forced.status()).isEqualTo(308);
        assertThat(forced.header("Location")).isEqualTo("https://forced.example.test:8443/x");
        // ACME HTTP-01 challenges must reach their solver over plain HTTP
        assertThat(RawHttp.get(caravan.httpPort(), "a.example.test", "/.well-known/acme-challenge/token").text())
                .isEqualTo("pod saw /.well-known/acme-challenge/token via http");
        // the solver's rule is exempt, not the path: the app's own rule still redirects it, as ingress-nginx's
        assertThat(RawHttp.get(caravan.httpPort(), "a.example.test", "/.well-known/acme-challenge/other").status())
                .isEqualTo(308);
    }

    @Test
    void hstsOnlyForHostsWithTls() throws Exception {
        // forced.example.test has no TLS of its own: served over the default certificate, without HSTS
        try (RawHttp https = https("forced.example.test", TlsClient.trustAll())) {
            https.send("GET / HTTP/1.1\r\nHost: forced.example.test\r\n\r\n");
            RawHttp.Response response = https.read(false);
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("Strict-Transport-Security")).isNull();
        }
    }

    @Test
    void http2ClientsAreProxiedToHttp1Pods() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .sslContext(authority.clientContext()).connectTimeout(Duration.ofSeconds(5)).build();
        URI uri = URI.create("https://localhost:" + caravan.httpsPort() + "/h2?x=1");
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("pod saw /h2?x=1 via https");
        assertThat(backend.last().headers().names()).noneMatch(name -> name.toLowerCase().startsWith("x-http2"));
        assertThat(backend.last().headers().get("Host")).isEqualTo("localhost:" + caravan.httpsPort());

        byte[] upload = new byte[300_000];
        new SecureRandom().nextBytes(upload);
        HttpResponse<String> posted = client.send(HttpRequest.newBuilder(uri)
                .POST(HttpRequest.BodyPublishers.ofByteArray(upload)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(posted.statusCode()).isEqualTo(200);
        // no Content-Length from this client: the body goes to the pod chunked, whole
        assertThat(backend.last().method()).isEqualTo("POST");
        assertThat(backend.last().bodyLength()).isEqualTo(upload.length);
        // several streams at once on one connection
        List<HttpResponse<String>> answers = java.util.stream.IntStream.range(0, 20)
                .mapToObj(i -> client.sendAsync(HttpRequest.newBuilder(URI.create("https://localhost:"
                        + caravan.httpsPort() + "/s" + i)).build(), HttpResponse.BodyHandlers.ofString()))
                .toList().stream().map(java.util.concurrent.CompletableFuture::join).toList();
        for (int i = 0; i < answers.size(); i++) {
            assertThat(answers.get(i).body()).isEqualTo("pod saw /s" + i + " via https");
        }
        // what no rule matches is the listener route's: its 404 over HTTP/2 too
        HttpResponse<String> unmatched = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .sslContext(TlsClient.trustAll()).build().send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:"
                        + caravan.httpsPort() + "/nothing")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unmatched.statusCode()).isEqualTo(404);
        // HEAD answered by the listener route: no body may follow the head over HTTP/2
        HttpResponse<String> head = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .sslContext(TlsClient.trustAll()).build().send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:"
                        + caravan.httpsPort() + "/nothing")).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(404);
        assertThat(head.body()).isEmpty();
    }

    @Test
    void anHttp2ConnectionThatOpensNoStreamIsClosed() throws Exception {
        javax.net.ssl.SSLSocket socket = TlsClient.connect(caravan.httpsPort(), null, TlsClient.trustAll(), "h2");
        socket.setSoTimeout(8000);
        assertThat(socket.getApplicationProtocol()).isEqualTo("h2");
        // the preface and an empty SETTINGS frame, then nothing: no request ever comes
        socket.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        socket.getOutputStream().write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});
        socket.getOutputStream().flush();
        long started = System.nanoTime();
        java.io.InputStream in = socket.getInputStream();
        while (in.read() >= 0) {
            // the server's SETTINGS, its ack, then GOAWAY
        }
        assertThat(System.nanoTime() - started).as("closed by the header timeout (2 s)").isLessThan(6_000_000_000L);
        socket.close();
    }

    @Test
    void aRotatedSecretServesNewHandshakesAndOpenConnectionsContinue() throws Exception {
        TestCertificates.Issued first = authority.issue("rotate.example.test");
        TestCertificates.Issued second = authority.issue("rotate.example.test");
        caravan.write("rotate.yaml", first.secret("rotate-tls") + "---\n"
                + Manifests.tlsIngress("rotate", "rotate.example.test", "/", "svc", "rotate.example.test", "rotate-tls"));
        await().atMost(Duration.ofSeconds(5)).until(() -> served("rotate.example.test").equals(first.certificate()));
        try (RawHttp open = https("rotate.example.test", authority.clientContext())) {
            open.send("GET /before HTTP/1.1\r\nHost: rotate.example.test\r\n\r\n");
            assertThat(open.read(false).status()).isEqualTo(200);
            long written = System.nanoTime();
            caravan.write("rotate.yaml", second.secret("rotate-tls") + "---\n"
                    + Manifests.tlsIngress("rotate", "rotate.example.test", "/", "svc", "rotate.example.test",
                            "rotate-tls"));
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50))
                    .until(() -> served("rotate.example.test").equals(second.certificate()));
            assertThat(Duration.ofNanos(System.nanoTime() - written)).isLessThan(Duration.ofSeconds(2));
            open.send("GET /after HTTP/1.1\r\nHost: rotate.example.test\r\n\r\n");
            RawHttp.Response after = open.read(false);
            assertThat(after.status()).isEqualTo(200);
            assertThat(after.text()).isEqualTo("pod saw /after via https");
        }
        assertThat(caravan.caravan().certificates().expiries()).containsEntry("rotate.example.test",
                second.certificate().getNotAfter().toInstant());
    }

    @Test
    void anExpiredCertificateIsNotServed() throws Exception {
        TestCertificates.Issued expired = authority.issue(Instant.now().minus(Duration.ofDays(10)),
                Instant.now().minus(Duration.ofDays(1)), TestCertificates.ecKeys(), "old.example.test");
        caravan.write("expired.yaml", expired.secret("old-tls") + "---\n"
                + Manifests.tlsIngress("old", "old.example.test", "/", "svc", "old.example.test", "old-tls"));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                caravan.caravan().lastCompilation().problems()).anySatisfy(problem -> {
                    assertThat(problem.ingress().name()).isEqualTo("old");
                    assertThat(problem.message()).contains("expired");
                }));
        assertThat(TlsClient.subject(served("old.example.test"))).contains(GeneratedCertificate.NAME);
    }

    @Test
    void theClockAloneServesACertificateOnceValidAndRefusesItOnceExpired() throws Exception {
        // X.509 keeps whole seconds: from the next whole second on, so that notBefore is not rounded into the past
        Instant notBefore = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(3);
        TestCertificates.Issued soon = authority.issue(notBefore, notBefore.plusSeconds(3), TestCertificates.ecKeys(),
                "soon.example.test");
        caravan.write("soon.yaml", soon.secret("soon-tls") + "---\n"
                + Manifests.tlsIngress("soon", "soon.example.test", "/", "svc", "soon.example.test", "soon-tls"));
        await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> assertThat(
                caravan.caravan().lastCompilation().problems()).anySatisfy(problem -> {
                    assertThat(problem.ingress().name()).isEqualTo("soon");
                    assertThat(problem.message()).contains("not valid before");
                }));
        assertThat(TlsClient.subject(served("soon.example.test"))).contains(GeneratedCertificate.NAME);

        // nothing else changes: no compilation but the one the clock asks for
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .until(() -> served("soon.example.test").equals(soon.certificate()));
        assertThat(Instant.now()).isAfterOrEqualTo(notBefore);
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .until(() -> TlsClient.subject(served("soon.example.test")).contains(GeneratedCertificate.NAME));
        assertThat(caravan.caravan().lastCompilation().problems()).anySatisfy(problem -> {
            assertThat(problem.ingress().name()).isEqualTo("soon");
            assertThat(problem.message()).contains("expired");
        });
        caravan.delete("soon.yaml");
    }

    private static X509Certificate served(String serverName) throws Exception {
        return TlsClient.served(caravan.httpsPort(), serverName);
    }

    private static RawHttp https(String serverName, SSLContext context) throws Exception {
        return TlsClient.http(caravan.httpsPort(), serverName, context);
    }
}

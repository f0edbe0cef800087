package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.compile.Problem;
import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ingress-nginx annotations end to end: what the pod received and what the client got. */
class NginxAnnotationsTest {

    private static final String NGINX = "nginx.ingress.kubernetes.io/";

    @TempDir
    static Path manifests;
    static TestBackend a;
    static TestBackend b;
    static CaravanHarness caravan;

    @BeforeAll
    static void start() throws Exception {
        a = TestBackend.start("127.0.0.2", "a");
        a.respond(request -> {
            FullHttpResponse response = TestBackend.text(HttpResponseStatus.OK, request.uri());
            if (request.uri().startsWith("/moved")) {
                // what a pod that knows itself by its in-cluster name answers
                response.headers().set("Location", "http://app.internal:8080/app/next");
                response.headers().add("Set-Cookie", "session=1; Domain=.App.Internal; Path=/app/cart; HttpOnly");
                response.headers().add("Set-Cookie", "theme=dark; Path=/elsewhere");
                response.headers().add("Set-Cookie", "bare=1");
            }
            return response;
        });
        b = TestBackend.start("127.0.0.3", "b");
        b.delay(3000);
        write(manifests, "base.yaml", Manifests.ingressClass() + "---\n" + Manifests.service("svc-a", a) + "---\n"
                + Manifests.service("svc-b", b));
        write(manifests, "rewrite.yaml", String.join("---\n",
                implementationSpecific("rewrite", "rw.example.com", "/something(/|$)(.*)", "svc-a",
                        Map.of(NGINX + "rewrite-target", "/$2")),
                // the seed's own example
                Manifests.ingress("seed", "alicek106.example.com", "/echo-hostname", "svc-a",
                        Map.of(NGINX + "rewrite-target", "/", "kubernetes.io/ingress.class", "caravan")),
                implementationSpecific("to-query", "query.example.com", "/shop(/|$)(.*)", "svc-a",
                        Map.of(NGINX + "rewrite-target", "/index.php?route=$2")),
                implementationSpecific("no-query", "noquery.example.com", "/shop(/|$)(.*)", "svc-a",
                        Map.of(NGINX + "rewrite-target", "/$2?")),
                implementationSpecific("regex", "re.example.com", "/api/v[0-9]+", "svc-a",
                        Map.of(NGINX + "use-regex", "true")),
                Manifests.ingress("plain-on-regex-host", "re.example.com", "/static", "svc-a"),
                implementationSpecific("redos", "redos.example.com", "/(.*a){12}b", "svc-a",
                        Map.of(NGINX + "use-regex", "true"))));
        write(manifests, "redirects.yaml", String.join("---\n",
                Manifests.ingress("root", "root.example.com", "/", "svc-a", Map.of(NGINX + "app-root", "/app")),
                Manifests.ingress("moved", "moved.example.com", "/", "svc-a",
                        Map.of(NGINX + "permanent-redirect", "https://new.example.com/")),
                Manifests.ingress("moved-308", "moved308.example.com", "/", "svc-a",
                        Map.of(NGINX + "permanent-redirect", "https://new.example.com/",
                                NGINX + "permanent-redirect-code", "308")),
                Manifests.ingress("tmp", "tmp.example.com", "/", "svc-a",
                        Map.of(NGINX + "temporal-redirect", "https://elsewhere.example.com/x")),
                // its location's access rules come after nginx's redirect to the location
                implementationSpecific("slash", "slash.example.com", "/api/", "svc-a",
                        Map.of(NGINX + "whitelist-source-range", "10.0.0.0/8")),
                implementationSpecific("slash-regex", "slashre.example.com", "/api/", "svc-a",
                        Map.of(NGINX + "use-regex", "true"))));
        write(manifests, "upstream.yaml", String.join("---\n",
                implementationSpecific("headers", "hdr.example.com", "/shop(/|$)(.*)", "svc-a",
                        Map.of(NGINX + "rewrite-target", "/$2", NGINX + "x-forwarded-prefix", "/shop",
                                NGINX + "upstream-vhost", "internal.svc")),
                // the Linkerd guides' form
                Manifests.ingress("vhost-vars", "vhostvars.example.com", "/", "svc-a",
                        Map.of(NGINX + "upstream-vhost", "$service_name.$namespace.svc.cluster.local")),
                Manifests.ingress("prefix-no-rewrite", "norewrite.example.com", "/", "svc-a",
                        Map.of(NGINX + "x-forwarded-prefix", "/shop")),
                Manifests.ingress("same-target", "same.example.com", "/", "svc-a",
                        Map.of(NGINX + "rewrite-target", "/")),
                Manifests.ingress("host-root", "hostroot.example.com", "/app", "svc-a",
                        Map.of(NGINX + "app-root", "/app")),
                Manifests.ingress("small", "small.example.com", "/", "svc-a",
                        Map.of(NGINX + "proxy-body-size", "10")),
                Manifests.ingress("slow", "slow.example.com", "/", "svc-b",
                        Map.of(NGINX + "proxy-read-timeout", "1")),
                Manifests.ingress("twin", "twin.example.com", "/", "svc-a",
                        Map.of(NGINX + "from-to-www-redirect", "true")),
                Manifests.ingress("rewritten-heads", "heads.example.com", "/", "svc-a",
                        Map.of(NGINX + "proxy-redirect-from", "http://app.internal:8080/app/",
                                NGINX + "proxy-redirect-to", "https://heads.example.com/",
                                NGINX + "proxy-cookie-domain", "app.internal heads.example.com",
                                NGINX + "proxy-cookie-path", "/app/ /")),
                Manifests.ingress("plain-heads", "plainheads.example.com", "/", "svc-a"),
                Manifests.ingress("relative-heads", "relheads.example.com", "/", "svc-a",
                        Map.of(NGINX + "proxy-redirect-from", "http://app.internal:8080/app/",
                                NGINX + "proxy-redirect-to", "/"))));
        write(manifests, "problems.yaml", String.join("---\n",
                Manifests.ingress("snippet", "snip.example.com", "/", "svc-a",
                        Map.of(NGINX + "configuration-snippet", "return 200 'owned';")),
                Manifests.ingress("sticky", "sticky.example.com", "/", "svc-a", Map.of(NGINX + "proxy-buffering", "on")),
                Manifests.ingress("bad-size", "badsize.example.com", "/", "svc-a",
                        Map.of(NGINX + "proxy-body-size", "lots"))));
        caravan = CaravanHarness.start(manifests);
    }

    private static String implementationSpecific(String name, String host, String path, String service,
            Map<String, String> annotations) {
        return Manifests.ingress(name, host, path, service, annotations)
                .replace("pathType: Prefix", "pathType: ImplementationSpecific");
    }

    @AfterAll
    static void stop() throws Exception {
        caravan.close();
        a.close();
        b.close();
    }

    @Test
    void proxyRedirectAndProxyCookieRewriteWhatThePodSends() throws Exception {
        RawHttp.Response rewritten = caravan.get("heads.example.com", "/moved");
        assertThat(rewritten.status()).isEqualTo(200);
        assertThat(rewritten.header("Location")).isEqualTo("https://heads.example.com/next");
        assertThat(rewritten.headers("Set-Cookie")).containsExactly(
                "session=1; Domain=.heads.example.com; Path=/cart; HttpOnly", "theme=dark; Path=/elsewhere", "bare=1");
        // rewritten to a path: absolute, with nginx's $host, as ingress-nginx (port_in_redirect off)
        assertThat(caravan.get("RelHeads.Example.com:8080", "/moved").header("Location"))
                .isEqualTo("http://relheads.example.com/next");
        // without the annotations, as the pod sent them
        RawHttp.Response plain = caravan.get("plainheads.example.com", "/moved");
        assertThat(plain.header("Location")).isEqualTo("http://app.internal:8080/app/next");
        assertThat(plain.headers("Set-Cookie")).containsExactly(
                "session=1; Domain=.App.Internal; Path=/app/cart; HttpOnly", "theme=dark; Path=/elsewhere", "bare=1");
    }

    @Test
    void rewriteTargetReplacesThePathWithCaptureGroupsAndKeepsTheQuery() throws Exception {
        assertThat(caravan.get("rw.example.com", "/something/new/page?x=1").text()).isEqualTo("/new/page?x=1");
        assertThat(caravan.get("rw.example.com", "/something").text()).isEqualTo("/");
        assertThat(caravan.get("rw.example.com", "/SOMETHING/Case").text()).isEqualTo("/Case");
        assertThat(caravan.get("rw.example.com", "/other").status()).isEqualTo(404);
        // a capture is decoded text, escaped again as its UTF-8 once, whether the client sent it raw or escaped
        assertThat(caravan.get("rw.example.com", "/something/caf\u00c3\u00a9").text()).isEqualTo("/caf%C3%A9");
        assertThat(caravan.get("rw.example.com", "/something/caf%C3%A9").text()).isEqualTo("/caf%C3%A9");
        assertThat(caravan.get("rw.example.com", "/something/a%20b%5B1%5D%3F").text()).isEqualTo("/a%20b[1]%3F");
    }

    @Test
    void aCaptureInTheTargetsQueryStaysOneParameterAsNginxEscapesIt() throws Exception {
        // the client's %26 is no second parameter, its + no space; as nginx, only when the path had escapes or a +
        assertThat(caravan.get("query.example.com", "/shop/x%26admin%3D1").text())
                .isEqualTo("/index.php?route=x%26admin=1");
        assertThat(caravan.get("query.example.com", "/shop/a+b").text()).isEqualTo("/index.php?route=a%2Bb");
        assertThat(caravan.get("query.example.com", "/shop/a%2Bb").text()).isEqualTo("/index.php?route=a%2Bb");
        assertThat(caravan.get("query.example.com", "/shop/cart/items").text())
                .isEqualTo("/index.php?route=cart/items");
        // the request's own query follows, and an empty one adds nothing
        assertThat(caravan.get("query.example.com", "/shop/cart?page=2").text())
                .isEqualTo("/index.php?route=cart&page=2");
        assertThat(caravan.get("query.example.com", "/shop/?").text()).isEqualTo("/index.php?route=");
        // a target ending in '?' drops the request's query, as nginx's rewrite
        assertThat(caravan.get("noquery.example.com", "/shop/cart?page=2").text()).isEqualTo("/cart");
    }

    @Test
    void fromToWwwRedirectSendsTheWwwNameToTheHostKeepingPortAndUriButATrailingSlash() throws Exception {
        RawHttp.Response redirect = RawHttp.get(caravan.httpPort(), "www.twin.example.com:8080", "/cart/?x=1");
        assertThat(redirect.status()).isEqualTo(308);
        assertThat(redirect.header("Location")).isEqualTo("http://twin.example.com:8080/cart/?x=1");
        assertThat(RawHttp.get(caravan.httpPort(), "WWW.twin.example.com", "/cart/").header("Location"))
                .isEqualTo("http://twin.example.com/cart");
        assertThat(RawHttp.get(caravan.httpPort(), "www.twin.example.com", "/").header("Location"))
                .isEqualTo("http://twin.example.com");
        // a Host with an empty port names no port
        assertThat(RawHttp.get(caravan.httpPort(), "www.twin.example.com:", "/a").header("Location"))
                .isEqualTo("http://twin.example.com/a");
        // the host itself is served
        assertThat(caravan.get("twin.example.com", "/cart").status()).isEqualTo(200);
    }

    @Test
    void theSeedsRewriteToRootWorks() throws Exception {
        assertThat(caravan.get("alicek106.example.com", "/echo-hostname").text()).isEqualTo("/");
        assertThat(caravan.get("alicek106.example.com", "/echo-hostname/deeper?q=2").text()).isEqualTo("/?q=2");
    }

    @Test
    void useRegexMakesEveryPathOfTheHostACaseInsensitiveRegexAnchoredAtTheStart() throws Exception {
        assertThat(caravan.get("re.example.com", "/API/v2/items").text()).isEqualTo("/API/v2/items");
        assertThat(caravan.get("re.example.com", "/v1/api/v2").status()).isEqualTo(404);
        // the other Ingress's Prefix path on the same host is a regex too, as in ingress-nginx
        assertThat(caravan.get("re.example.com", "/staticfoo").text()).isEqualTo("/staticfoo");
    }

    @Test
    void appRootRedirectsOnlyTheRoot() throws Exception {
        RawHttp.Response root = caravan.get("root.example.com", "/");
        assertThat(root.status()).isEqualTo(302);
        assertThat(root.header("Location")).isEqualTo("http://root.example.com/app");
        assertThat(caravan.get("root.example.com", "/app").text()).isEqualTo("/app");
    }

    @Test
    void anImplementationSpecificPathEndingInASlashRedirectsThePathWithoutItAsNginx() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("GET /api?page=2 HTTP/1.1\r\nHost: slash.example.com\r\n\r\n");
            RawHttp.Response moved = http.read(false);
            assertThat(moved.status()).isEqualTo(301);
            assertThat(moved.header("Location")).isEqualTo("http://slash.example.com/api/?page=2");
            // the connection serves on, and the location itself refuses this client
            http.send("GET /api/?page=2 HTTP/1.1\r\nHost: slash.example.com\r\n\r\n");
            assertThat(http.read(false).status()).isEqualTo(403);
        }
        // /apis is not under /api/: the host's default location, whose source ranges are the Ingress's, answers
        assertThat(caravan.get("slash.example.com", "/apis").status()).isEqualTo(403);
        // a regex location makes no such redirect: ^/api/ does not match /api
        assertThat(caravan.get("slashre.example.com", "/api").status()).isEqualTo(404);
        assertThat(caravan.get("slashre.example.com", "/api/x").text()).isEqualTo("/api/x");
    }

    @Test
    void permanentAndTemporalRedirects() throws Exception {
        RawHttp.Response moved = caravan.get("moved.example.com", "/any/path");
        assertThat(moved.status()).isEqualTo(301);
        assertThat(moved.header("Location")).isEqualTo("https://new.example.com/");
        assertThat(caravan.get("moved308.example.com", "/").status()).isEqualTo(308);
        RawHttp.Response tmp = caravan.get("tmp.example.com", "/");
        assertThat(tmp.status()).isEqualTo(302);
        assertThat(tmp.header("Location")).isEqualTo("https://elsewhere.example.com/x");
    }

    @Test
    void forwardedPrefixGoesWithARewriteAndUpstreamVhostReachesThePod() throws Exception {
        assertThat(caravan.get("hdr.example.com", "/shop/p").text()).isEqualTo("/p");
        assertThat(a.last().headers().get("Host")).isEqualTo("internal.svc");
        assertThat(a.last().headers().get("X-Forwarded-Prefix")).isEqualTo("/shop");
        assertThat(a.last().headers().get("X-Forwarded-Host")).isEqualTo("hdr.example.com");
        assertThat(caravan.get("vhostvars.example.com", "/p").status()).isEqualTo(200);
        assertThat(a.last().headers().get("Host")).isEqualTo("svc-a.default.svc.cluster.local");
        assertThat(caravan.get("norewrite.example.com", "/p").text()).isEqualTo("/p");
        assertThat(a.last().headers().get("X-Forwarded-Prefix")).as("no rewrite, no prefix").isNull();
    }

    @Test
    void aRewriteTargetEqualToThePathChangesNothing() throws Exception {
        assertThat(caravan.get("same.example.com", "/orders/42?x=1").text()).isEqualTo("/orders/42?x=1");
    }

    @Test
    void appRootAppliesToTheWholeHost() throws Exception {
        RawHttp.Response root = caravan.get("hostroot.example.com", "/");
        assertThat(root.status()).isEqualTo(302);
        assertThat(root.header("Location")).isEqualTo("http://hostroot.example.com/app");
    }

    @Test
    void aPathicalRegexCannotHoldTheEventLoop() throws Exception {
        long started = System.nanoTime();
        assertThat(caravan.get("redos.example.com", "/" + "a".repeat(40)).status()).isEqualTo(404);
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(2000);
    }

    @Test
    void proxyBodySizeRefusesLargerBodiesWith413() throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("POST /ok HTTP/1.1\r\nHost: small.example.com\r\nContent-Length: 10\r\n\r\n0123456789");
            assertThat(http.read(false).status()).isEqualTo(200);
        }
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("POST /big HTTP/1.1\r\nHost: small.example.com\r\nContent-Length: 11\r\n\r\n0123456789X");
            assertThat(http.read(false).status()).isEqualTo(413);
        }
        int before = a.seen().size();
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("POST /chunked HTTP/1.1\r\nHost: small.example.com\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "6\r\n012345\r\n6\r\n6789AB\r\n0\r\n\r\n");
            assertThat(http.read(false).status()).isEqualTo(413);
        }
        Thread.sleep(200);
        assertThat(a.seen().subList(before, a.seen().size())).isEmpty();
    }

    @Test
    void proxyReadTimeoutPerIngress() throws Exception {
        long started = System.nanoTime();
        assertThat(caravan.get("slow.example.com", "/").status()).isEqualTo(504);
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(2900);
    }

    @Test
    void snippetsAreRefusedBadValuesArePassedOverAsIngressNginxDoesAndUnsupportedAnnotationsAreNamed() throws Exception {
        // what the snippet said (here a return; often allow and deny) cannot be told: its paths answer 503 rather than
        // go to another Ingress's rule
        assertThat(caravan.get("snip.example.com", "/").status()).isEqualTo(503);
        // a size ingress-nginx cannot read is passed over, as it does: the default limit, and a Warning
        assertThat(caravan.get("badsize.example.com", "/").status()).isEqualTo(200);
        assertThat(caravan.get("sticky.example.com", "/").status()).isEqualTo(200);
        List<Problem> problems = caravan.caravan().lastCompilation().problems();
        assertThat(problems).anySatisfy(p -> {
            assertThat(p.ingress().name()).isEqualTo("snippet");
            assertThat(p.reason()).isEqualTo(Problem.REFUSED_ANNOTATION);
            assertThat(p.message()).contains(NGINX + "configuration-snippet", "its paths answer 503");
        });
        assertThat(problems).anySatisfy(p -> {
            assertThat(p.ingress().name()).isEqualTo("bad-size");
            assertThat(p.severity()).isEqualTo(Problem.Severity.WARNING);
            assertThat(p.message()).contains(NGINX + "proxy-body-size", "'lots'", "passes it over");
        });
        assertThat(problems).anySatisfy(p -> {
            assertThat(p.ingress().name()).isEqualTo("sticky");
            assertThat(p.severity()).isEqualTo(Problem.Severity.WARNING);
            assertThat(p.reason()).isEqualTo(Problem.UNSUPPORTED_ANNOTATION);
            assertThat(p.message()).contains(NGINX + "proxy-buffering");
        });
    }
}

package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.FreePorts;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** auth-url and its companions, as ingress-nginx's external authentication, against a real auth service. */
class ExternalAuthTest {

    private static final String P = "nginx.ingress.kubernetes.io/";

    @TempDir
    Path manifests;
    @TempDir
    Path routes;
    TestBackend pod;
    TestBackend auth;
    CaravanHarness caravan;

    @BeforeEach
    void start() throws Exception {
        pod = TestBackend.start("127.0.0.2", "pod");
        auth = TestBackend.start("127.0.0.4", "auth");
        auth.respond(request -> {
            String cookie = String.valueOf(request.headers().get("Cookie"));
            if (cookie.contains("session=good")) {
                FullHttpResponse ok = TestBackend.text(HttpResponseStatus.OK, "");
                ok.headers().set("X-Auth-Request-User", "alice");
                return ok;
            }
            if (cookie.contains("session=forbidden")) {
                return TestBackend.text(HttpResponseStatus.FORBIDDEN, "no");
            }
            if (cookie.contains("session=broken")) {
                return TestBackend.text(HttpResponseStatus.BAD_GATEWAY, "oops");
            }
            FullHttpResponse challenge = TestBackend.text(HttpResponseStatus.UNAUTHORIZED, "who?");
            challenge.headers().set("WWW-Authenticate", "Bearer realm=\"test\"");
            return challenge;
        });
        Files.writeString(routes.resolve("after-auth.yaml"), """
                - route:
                    id: after-auth
                    from:
                      uri: direct:after-auth
                      steps:
                        - setHeader:
                            name: X-Interceptor-Saw
                            simple: "${header.X-Auth-Request-User}"
                """);
        String authUrl = "http://" + auth.ip() + ":" + auth.port() + "/oauth2/auth?for=$host";
        Map<String, String> protect = Map.of(P + "auth-url", authUrl,
                P + "auth-response-headers", "X-Auth-Request-User, X-Auth-Request-Email");
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                Manifests.ingress("protected", "prot.test", "/", "svc", protect),
                Manifests.ingress("signin", "signin.test", "/", "svc", Map.of(P + "auth-url", authUrl,
                        P + "auth-signin", "https://$host/oauth2/start")),
                Manifests.ingress("dead", "dead.test", "/", "svc",
                        Map.of(P + "auth-url", "http://127.0.0.1:" + FreePorts.next() + "/auth")),
                Manifests.ingress("chained", "chained.test", "/", "svc", Map.of(P + "auth-url", authUrl,
                        P + "auth-response-headers", "X-Auth-Request-User", "caravan.dev/request-route", "after-auth")),
                Manifests.ingress("bad", "bad.test", "/", "svc",
                        Map.of(P + "auth-url", "http://auth.test/?who=$remote_addr")),
                Manifests.ingress("framing", "framing.test", "/", "svc", Map.of(P + "auth-url", authUrl,
                        P + "auth-response-headers", "X-Auth-Request-User, Content-Length")),
                Manifests.ingress("any-host", "", "/any-host", "svc", protect),
                Manifests.ingress("any-host-fixed", "", "/any-fixed", "svc", Map.of(P + "auth-url",
                        "http://" + auth.ip() + ":" + auth.port() + "/oauth2/auth")),
                Manifests.ingress("variables", "variables.test", "/", "svc", Map.of(P + "auth-url",
                        authUrl.replace("/oauth2/auth?for=$host", "/v$uri?escaped=$escaped_request_uri"))),
                Manifests.ingress("target", "target.test", "/", "svc", Map.of(P + "auth-url",
                        authUrl.replace("/oauth2/auth?for=$host", "/t$request_uri"),
                        P + "auth-signin", "https://$host/start")),
                Manifests.ingress("open", "open.test", "/", "svc"),
                // the office network, or a login: auth-url is not asked of the network's clients
                Manifests.ingress("office", "office.test", "/", "svc", Map.of(P + "auth-url", authUrl,
                        P + "auth-response-headers", "X-Auth-Request-User", P + "satisfy", "any",
                        P + "allowlist-source-range", "127.0.0.1/32"))));
        caravan = CaravanHarness.start(manifests, "--routes", routes.toString());
    }

    @AfterEach
    void stop() throws Exception {
        caravan.close();
        pod.close();
        auth.close();
    }

    private RawHttp.Response send(String host, String request) throws Exception {
        try (RawHttp client = new RawHttp(caravan.httpPort())) {
            client.send(request.replace("HOST", host));
            return client.read(false);
        }
    }

    @Test
    void underSatisfyAnyTheHeadersAuthUrlWouldAnswerAreNeverTheClients() throws Exception {
        // admitted by the allow-list: auth-url is not asked, and the client's claim of a user is not passed on
        RawHttp.Response inside = send("office.test", "GET / HTTP/1.1\r\nHost: HOST\r\n"
                + "X-Auth-Request-User: admin\r\n\r\n");
        assertThat(inside.status()).isEqualTo(200);
        assertThat(pod.last().headers().contains("X-Auth-Request-User")).isFalse();
        assertThat(auth.seen()).isEmpty();
        // from elsewhere, auth-url admits and names the user
        try (RawHttp client = new RawHttp(RawHttp.connectFrom("127.0.0.7", caravan.httpPort()), 20_000)) {
            client.send("GET / HTTP/1.1\r\nHost: office.test\r\nCookie: session=good\r\n"
                    + "X-Auth-Request-User: admin\r\n\r\n");
            assertThat(client.read(false).status()).isEqualTo(200);
        }
        assertThat(pod.last().headers().getAll("X-Auth-Request-User")).containsExactly("alice");
    }

    @Test
    void anAuthorizedRequestGoesOnWithTheAuthServicesHeadersAndItsBodyWhole() throws Exception {
        RawHttp.Response response = send("prot.test", "POST /orders?id=7 HTTP/1.1\r\nHost: HOST\r\n"
                + "Cookie: session=good\r\nX-Auth-Request-Email: forged@evil.test\r\nX-Original-URI: /forged\r\n"
                + "Content-Length: 5\r\n\r\nhello");
        assertThat(response.status()).isEqualTo(200);
        TestBackend.Seen asked = auth.last();
        assertThat(asked.method()).isEqualTo("GET");
        assertThat(asked.uri()).isEqualTo("/oauth2/auth?for=prot.test");
        assertThat(asked.bodyLength()).isZero();
        // the URL's host name, without its port, as ingress-nginx's auth location sends it
        assertThat(asked.headers().get("Host")).isEqualTo(auth.ip());
        assertThat(asked.headers().get("X-Original-URL")).isEqualTo("http://prot.test/orders?id=7");
        assertThat(asked.headers().get("X-Original-Method")).isEqualTo("POST");
        assertThat(asked.headers().getAll("X-Original-URI")).containsExactly("/orders?id=7");
        assertThat(asked.headers().get("X-Scheme")).isEqualTo("http");
        assertThat(asked.headers().get("X-Auth-Request-Redirect")).isEqualTo("/orders?id=7");
        assertThat(asked.headers().get("X-Forwarded-For")).isEqualTo("127.0.0.1");
        assertThat(asked.headers().get("Cookie")).isEqualTo("session=good");

        TestBackend.Seen seen = pod.last();
        assertThat(seen.headers().get("X-Auth-Request-User")).isEqualTo("alice");
        // listed, absent from the auth service's answer: removed, so a client cannot forge it
        assertThat(seen.headers().contains("X-Auth-Request-Email")).isFalse();
        assertThat(seen.bodyLength()).isEqualTo(5);
        // one id for the request, as ingress-nginx's $req_id: the auth service and the pod see the same
        assertThat(asked.headers().get("X-Request-ID")).matches("[0-9a-f]{32}")
                .isEqualTo(seen.headers().get("X-Request-ID"));
    }

    @Test
    void unauthorizedAndForbiddenGoBackToTheClientAndThePodNeverSeesThem() throws Exception {
        RawHttp.Response unauthorized = send("prot.test", "GET / HTTP/1.1\r\nHost: HOST\r\n\r\n");
        assertThat(unauthorized.status()).isEqualTo(401);
        assertThat(unauthorized.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"test\"");
        assertThat(send("prot.test", "GET / HTTP/1.1\r\nHost: HOST\r\nCookie: session=forbidden\r\n\r\n").status())
                .isEqualTo(403);
        // the auth service failing, or not there at all: 500, never the pod
        assertThat(send("prot.test", "GET / HTTP/1.1\r\nHost: HOST\r\nCookie: session=broken\r\n\r\n").status())
                .isEqualTo(500);
        assertThat(send("dead.test", "GET / HTTP/1.1\r\nHost: HOST\r\nCookie: session=good\r\n\r\n").status())
                .isEqualTo(500);
        assertThat(pod.seen()).isEmpty();
        assertThat(caravan.get("open.test", "/").status()).isEqualTo(200);
    }

    @Test
    void aSignInPageGetsTheUnauthorizedWithTheOriginalUrl() throws Exception {
        RawHttp.Response response = send("signin.test", "GET /a/b?c=d HTTP/1.1\r\nHost: HOST\r\n\r\n");
        assertThat(response.status()).isEqualTo(302);
        assertThat(response.header("Location"))
                .isEqualTo("https://signin.test/oauth2/start?rd=http%3A%2F%2Fsignin.test%2Fa%2Fb%3Fc%3Dd");
        assertThat(pod.seen()).isEmpty();
    }

    @Test
    void theInterceptorRunsAfterAuthenticationAndSeesItsHeaders() throws Exception {
        assertThat(send("chained.test", "GET / HTTP/1.1\r\nHost: HOST\r\nCookie: session=good\r\n\r\n").status())
                .isEqualTo(200);
        assertThat(pod.last().headers().get("X-Interceptor-Saw")).isEqualTo("alice");
        assertThat(send("chained.test", "GET / HTTP/1.1\r\nHost: HOST\r\n\r\n").status()).isEqualTo(401);
    }

    @Test
    void aHostThatIsNoHostNameNeverReachesTheAuthUrlAndAVariableNotFilledInIsInvalid() throws Exception {
        // a rule without host serves any Host, so $host would be whatever the client sent
        assertThat(send("", "GET /any-host HTTP/1.1\r\nHost: evil.test/x?\r\nCookie: session=good\r\n\r\n")
                .status()).isEqualTo(400);
        assertThat(auth.seen()).isEmpty();
        // and even a well-formed one: Caravan would send the user's cookies wherever the client says (SSRF)
        assertThat(send("", "GET /any-host HTTP/1.1\r\nHost: 169.254.169.254\r\nCookie: session=good\r\n\r\n")
                .status()).isEqualTo(500);
        assertThat(auth.seen()).isEmpty();
        // without $host, a rule without a host is checked as any other
        assertThat(send("", "GET /any-fixed HTTP/1.1\r\nHost: fine.test:8080\r\nCookie: session=good\r\n\r\n")
                .status()).isEqualTo(200);
        assertThat(auth.last().headers().get("X-Original-URL")).isEqualTo("http://fine.test:8080/any-fixed");
        // invalid, and asking for authentication: its paths answer 503 rather than serve anyone
        assertThat(caravan.get("bad.test", "/").status()).isEqualTo(503);
        // an auth service may not frame the request for the pod (smuggling): the Ingress is invalid
        assertThat(caravan.get("framing.test", "/").status()).isEqualTo(503);
        assertThat(caravan.caravan().lastCompilation().problems()).anySatisfy(problem -> {
            assertThat(problem.ingress().name()).isEqualTo("bad");
            assertThat(problem.message()).contains("$remote_addr");
        });
    }

    @Test
    void theRequestsBytesReachTheAuthServiceEscapedOncePerByte() throws Exception {
        // sent unescaped: "é" as UTF-8 (C3 A9), U+0085 (C2 85: its second byte alone is a control char) and '|',
        // which a URL may not hold as they are; in the query a '%' that begins no escape
        String target = "/caf\u00c3\u00a9/\u00c2\u0085|b%20c?q=\u00c3\u00a9&r=%zz";
        String escaped = "/caf%C3%A9/%C2%85%7Cb%20c?q=%C3%A9&r=%25zz";
        String cookie = "\r\nCookie: session=good";

        assertThat(send("variables.test", "GET " + target + " HTTP/1.1\r\nHost: HOST" + cookie + "\r\n\r\n").status())
                .isEqualTo(200);
        // $uri is the decoded path, text escaped as its UTF-8; $escaped_request_uri escapes each byte sent
        assertThat(auth.last().uri()).isEqualTo("/v/caf%C3%A9/%C2%85%7Cb%20c?escaped="
                + "%2Fcaf%C3%A9%2F%C2%85%7Cb%2520c%3Fq%3D%C3%A9%26r%3D%25zz");
        assertThat(pod.last().uri()).isEqualTo(target);

        assertThat(send("target.test", "GET " + target + " HTTP/1.1\r\nHost: HOST" + cookie + "\r\n\r\n").status())
                .isEqualTo(200);
        TestBackend.Seen asked = auth.last();
        assertThat(asked.uri()).isEqualTo("/t" + escaped);
        // headers carry the target as sent, as nginx's $request_uri, but for the bytes above ASCII
        String sent = "/caf%C3%A9/%C2%85|b%20c?q=%C3%A9&r=%zz";
        assertThat(asked.headers().get("X-Original-URL")).isEqualTo("http://target.test" + sent);
        assertThat(asked.headers().get("X-Auth-Request-Redirect")).isEqualTo(sent);

        RawHttp.Response signin = send("target.test", "GET " + target + " HTTP/1.1\r\nHost: HOST\r\n\r\n");
        assertThat(signin.status()).isEqualTo(302);
        assertThat(signin.header("Location")).isEqualTo("https://target.test/start?rd=http%3A%2F%2Ftarget.test"
                + "%2Fcaf%C3%A9%2F%C2%85%7Cb%2520c%3Fq%3D%C3%A9%26r%3D%25zz");
    }
}

package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --global-auth-url and --no-auth-locations: ingress-nginx's ConfigMap auth for every Ingress. */
class GlobalAuthTest {

    private static final String P = "nginx.ingress.kubernetes.io/";

    @TempDir
    Path manifests;

    @Test
    void everyIngressAsksTheGlobalAuthUrlUnlessItHasItsOwnOrOptsOut() throws Exception {
        TestBackend pod = TestBackend.start("127.0.0.2", "pod");
        TestBackend global = authService("127.0.0.4", "global", "alice");
        TestBackend own = authService("127.0.0.5", "own", "bob");
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                Manifests.ingress("plain", "plain.test", "/", "svc"),
                Manifests.ingress("public", "public.test", "/", "svc", Map.of(P + "enable-global-auth", "false")),
                Manifests.ingress("own", "own.test", "/", "svc", Map.of(P + "auth-url", url(own),
                        P + "auth-response-headers", "X-User")),
                Manifests.ingress("solver", "plain.test", "/.well-known/acme-challenge/token", "svc"),
                // without an auth-url of their own: the global auth, as a whole, whatever auth-* they say
                Manifests.ingress("stray", "stray.test", "/", "svc", Map.of(P + "auth-signin", "https://elsewhere.test/",
                        P + "auth-cache-key", "everyone")),
                Manifests.ingress("blank", "blank.test", "/", "svc", Map.of(P + "auth-url", "")),
                // what its spec.defaultBackend serves is under its access control too, as ingress-nginx's default location
                Manifests.withDefaultBackend(Manifests.ingress("fallback", "fallback.test", "/app", "svc"), "svc"),
                Manifests.withDefaultBackend(Manifests.ingress("open-fallback", "open-fallback.test", "/app", "svc",
                        Map.of(P + "enable-global-auth", "false")), "svc")));
        try (CaravanHarness caravan = CaravanHarness.start(manifests, "--global-auth-url", url(global),
                "--global-auth-response-headers", "X-User")) {
            assertThat(get(caravan, "plain.test", "/", null).status()).isEqualTo(401);
            assertThat(get(caravan, "plain.test", "/", "session=good").status()).isEqualTo(200);
            // the global auth service's answer headers go to the pod, as the Ingress's own would
            assertThat(pod.last().headers().get("X-User")).isEqualTo("alice");
            assertThat(get(caravan, "public.test", "/", null).status()).isEqualTo(200);
            // an Ingress's own auth-url is asked instead, never both
            int globalAsked = global.seen().size();
            assertThat(get(caravan, "own.test", "/", "session=good").status()).isEqualTo(200);
            assertThat(pod.last().headers().get("X-User")).isEqualTo("bob");
            assertThat(global.seen()).hasSize(globalAsked);
            RawHttp.Response stray = get(caravan, "stray.test", "/", null);
            assertThat(stray.status()).isEqualTo(401);
            assertThat(stray.header("Location")).isNull();
            // the Ingress's auth-cache-key is not the global auth's: each request is asked
            int asked = global.seen().size();
            assertThat(get(caravan, "stray.test", "/", "session=good").status()).isEqualTo(200);
            assertThat(get(caravan, "stray.test", "/", "session=bad").status()).isEqualTo(401);
            assertThat(global.seen()).hasSize(asked + 2);
            assertThat(get(caravan, "blank.test", "/", null).status()).isEqualTo(401);
            assertThat(get(caravan, "fallback.test", "/elsewhere", null).status()).isEqualTo(401);
            assertThat(get(caravan, "fallback.test", "/elsewhere", "session=good").status()).isEqualTo(200);
            assertThat(get(caravan, "open-fallback.test", "/elsewhere", null).status()).isEqualTo(200);
            // an ACME solver's path (--no-auth-locations' default) asks no one
            assertThat(get(caravan, "plain.test", "/.well-known/acme-challenge/token", null).status()).isEqualTo(200);
        } finally {
            pod.close();
            global.close();
            own.close();
        }
    }


    private static String url(TestBackend auth) {
        return "http://" + auth.ip() + ":" + auth.port() + "/auth";
    }

    /** An auth service admitting the cookie session=good as {@code user}, answering 401 otherwise. */
    private static TestBackend authService(String ip, String name, String user) throws Exception {
        TestBackend auth = TestBackend.start(ip, name);
        auth.respond(request -> {
            if (String.valueOf(request.headers().get("Cookie")).contains("session=good")) {
                FullHttpResponse ok = TestBackend.text(HttpResponseStatus.OK, "");
                ok.headers().set("X-User", user);
                return ok;
            }
            return TestBackend.text(HttpResponseStatus.UNAUTHORIZED, "who?");
        });
        return auth;
    }

    private static RawHttp.Response get(CaravanHarness caravan, String host, String path, String cookie)
            throws Exception {
        try (RawHttp client = new RawHttp(caravan.httpPort())) {
            client.send("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n"
                    + (cookie == null ? "" : "Cookie: " + cookie + "\r\n") + "\r\n");
            return client.read(false);
        }
    }
}

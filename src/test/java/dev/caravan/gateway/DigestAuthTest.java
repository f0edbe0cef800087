package dev.caravan.gateway;

import static dev.caravan.gateway.DigestAuthenticationTest.answer;
import static dev.caravan.gateway.DigestAuthenticationTest.md5;
import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** auth-type: digest with an htdigest Secret, as ingress-nginx's digest module: real requests, a client of the test's. */
class DigestAuthTest {

    private static final String P = "nginx.ingress.kubernetes.io/";
    private static final String REALM = "Staff only";

    @TempDir
    java.nio.file.Path manifests;
    TestBackend pod;
    CaravanHarness caravan;

    @BeforeEach
    void start() throws Exception {
        pod = TestBackend.start("127.0.0.2", "pod");
        String htdigest = "ann:" + REALM + ":" + md5("ann:" + REALM + ":ann-pass") + "\n";
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                BasicAuthTest.secret("users", Map.of("auth", htdigest)),
                BasicAuthTest.secret("two-realms", Map.of("auth", htdigest + "bo:Other:" + md5("bo:Other:bo-pass"))),
                Manifests.ingress("digest", "digest.test", "/", "svc", Map.of(P + "auth-type", "digest",
                        P + "auth-secret", "users", P + "auth-realm", REALM)),
                Manifests.ingress("no-realm", "no-realm.test", "/", "svc", Map.of(P + "auth-type", "digest",
                        P + "auth-secret", "users")),
                Manifests.ingress("unclear", "unclear.test", "/", "svc", Map.of(P + "auth-type", "digest",
                        P + "auth-secret", "two-realms"))));
        caravan = CaravanHarness.start(manifests);
    }

    @AfterEach
    void stop() throws Exception {
        caravan.close();
        pod.close();
    }

    private static RawHttp.Response get(RawHttp client, String host, String path, String authorization)
            throws Exception {
        client.send("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n"
                + (authorization == null ? "" : "Authorization: " + authorization + "\r\n") + "\r\n");
        return client.read(false);
    }

    @Test
    void aUserAnsweringTheChallengeGetsInAndTheNonceServesTheNextRequests() throws Exception {
        try (RawHttp client = new RawHttp(caravan.httpPort(), 20_000)) {
            RawHttp.Response asked = get(client, "digest.test", "/x?y=1", null);
            assertThat(asked.status()).isEqualTo(401);
            String challenge = asked.header("WWW-Authenticate");
            assertThat(challenge).startsWith("Digest algorithm=\"MD5\", qop=\"auth\", realm=\"Staff only\", nonce=");
            assertThat(pod.seen()).isEmpty();
            RawHttp.Response in = get(client, "digest.test", "/x?y=1",
                    answer(challenge, "ann", REALM, "ann-pass", "GET", "/x?y=1", 1));
            assertThat(in.status()).isEqualTo(200);
            // the user's credentials are not the pod's, as ingress-nginx blanks them
            assertThat(pod.last().uri()).isEqualTo("/x?y=1");
            assertThat(pod.last().headers().contains("Authorization")).isFalse();
            assertThat(get(client, "digest.test", "/z", answer(challenge, "ann", REALM, "ann-pass", "GET", "/z", 2))
                    .status()).isEqualTo(200);
            // a replayed count, and a wrong password, are asked again
            assertThat(get(client, "digest.test", "/z", answer(challenge, "ann", REALM, "ann-pass", "GET", "/z", 2))
                    .status()).isEqualTo(401);
            RawHttp.Response wrong = get(client, "digest.test", "/", answer(challenge, "ann", REALM, "guess", "GET",
                    "/", 3));
            assertThat(wrong.status()).isEqualTo(401);
            assertThat(wrong.header("WWW-Authenticate")).startsWith("Digest ");
            // a Basic answer is no answer to a Digest challenge
            assertThat(get(client, "digest.test", "/", "Basic YW5uOmFubi1wYXNz").status()).isEqualTo(401);
        }
        assertThat(pod.seen()).hasSize(2);
    }

    @Test
    void withoutAuthRealmTheSecretsOneRealmIsAskedAndSeveralDenyTheIngress() throws Exception {
        try (RawHttp client = new RawHttp(caravan.httpPort(), 20_000)) {
            String challenge = get(client, "no-realm.test", "/", null).header("WWW-Authenticate");
            assertThat(challenge).contains("realm=\"Staff only\"");
            assertThat(get(client, "no-realm.test", "/", answer(challenge, "ann", REALM, "ann-pass", "GET", "/", 1))
                    .status()).isEqualTo(200);
            // ingress-nginx would serve it to anyone (its digest module needs a realm); Caravan serves it to no one
            assertThat(get(client, "unclear.test", "/", null).status()).isEqualTo(503);
        }
        assertThat(caravan.caravan().lastCompilation().problems()).anySatisfy(problem -> {
            assertThat(problem.ingress().name()).isEqualTo("unclear");
            assertThat(problem.message()).contains("auth-secret", "default/two-realms", "2 realms", "auth-realm");
        });
    }
}

package dev.caravan.gateway;

import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.apache.commons.codec.digest.Md5Crypt;
import org.apache.commons.codec.digest.Sha2Crypt;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** auth-type: basic with an htpasswd Secret, as ingress-nginx: every hash format nginx checks, real requests. */
class BasicAuthTest {

    private static final String P = "nginx.ingress.kubernetes.io/";

    @TempDir
    java.nio.file.Path manifests;
    TestBackend pod;
    CaravanHarness caravan;

    static String secret(String name, Map<String, String> data) {
        StringBuilder yaml = new StringBuilder("""
                apiVersion: v1
                kind: Secret
                metadata:
                  name: %s
                type: Opaque
                data:
                """.formatted(name));
        data.forEach((key, value) -> yaml.append("  ").append(key).append(": ")
                .append(Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))).append('\n'));
        return yaml.toString();
    }

    private static String htpasswd() throws Exception {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        String sha1 = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                .digest("sha-pass".getBytes(StandardCharsets.UTF_8)));
        return "# users\n"
                + "bcrypt:" + OpenBSDBCrypt.generate("2y", "bcrypt-pass".toCharArray(), salt, 5) + "\n"
                + "apr:" + Md5Crypt.apr1Crypt("apr-pass") + "\n"
                + "sha:{SHA}" + sha1 + "\n"
                + "sha512:" + Sha2Crypt.sha512Crypt("sha512-pass".getBytes(StandardCharsets.UTF_8)) + "\n";
    }

    @BeforeEach
    void start() throws Exception {
        pod = TestBackend.start("127.0.0.2", "pod");
        write(manifests, "all.yaml", String.join("---\n", Manifests.ingressClass(), Manifests.service("svc", pod),
                secret("users", Map.of("auth", htpasswd())),
                secret("user-map", Map.of("carol", Md5Crypt.apr1Crypt("carol-pass"))),
                Manifests.ingress("file", "file.test", "/", "svc", Map.of(P + "auth-type", "basic",
                        P + "auth-secret", "users", P + "auth-realm", "Staff only")),
                Manifests.ingress("map", "map.test", "/", "svc", Map.of(P + "auth-type", "basic",
                        P + "auth-secret", "user-map", P + "auth-secret-type", "auth-map")),
                Manifests.ingress("missing", "missing.test", "/", "svc", Map.of(P + "auth-type", "basic",
                        P + "auth-secret", "nobody")),
                Manifests.ingress("any", "any.test", "/", "svc", Map.of(P + "auth-type", "basic",
                        P + "auth-secret", "users", P + "allowlist-source-range", "127.0.0.1/32", P + "satisfy", "any")),
                Manifests.ingress("all", "all.test", "/", "svc", Map.of(P + "auth-type", "basic",
                        P + "auth-secret", "users", P + "allowlist-source-range", "127.0.0.1/32", P + "satisfy", "all")),
                Manifests.ingress("any-denied", "any-denied.test", "/", "svc", Map.of(P + "auth-type", "basic",
                        P + "auth-secret", "users", P + "denylist-source-range", "127.0.0.7", P + "satisfy", "any"))));
        caravan = CaravanHarness.start(manifests);
    }

    @AfterEach
    void stop() throws Exception {
        caravan.close();
        pod.close();
    }

    private RawHttp.Response as(String host, String user, String password) throws Exception {
        return as("127.0.0.1", host, user, password);
    }

    /** As a client at {@code source}: any loopback address may be a connection's source. */
    private RawHttp.Response as(String source, String host, String user, String password) throws Exception {
        try (RawHttp client = new RawHttp(RawHttp.connectFrom(source, caravan.httpPort()), 20_000)) {
            String authorization = user == null ? "" : "Authorization: Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)) + "\r\n";
            client.send("GET /x HTTP/1.1\r\nHost: " + host + "\r\n" + authorization + "\r\n");
            return client.read(false);
        }
    }

    @Test
    void everyHashFormatLetsItsUserInAndThePasswordDoesNotGoOnToThePod() throws Exception {
        for (String[] user : new String[][] {{"bcrypt", "bcrypt-pass"}, {"apr", "apr-pass"}, {"sha", "sha-pass"},
            {"sha512", "sha512-pass"}}) {
            assertThat(as("file.test", user[0], user[1]).status()).as(user[0]).isEqualTo(200);
            assertThat(pod.last().headers().contains("Authorization")).isFalse();
            // twice: the second is answered from what was verified
            assertThat(as("file.test", user[0], user[1]).status()).as(user[0]).isEqualTo(200);
        }
        assertThat(as("map.test", "carol", "carol-pass").status()).isEqualTo(200);
    }

    @Test
    void anyoneElseGetsTheChallengeAndThePodNeverSeesThem() throws Exception {
        RawHttp.Response none = as("file.test", null, null);
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.header("WWW-Authenticate")).isEqualTo("Basic realm=\"Staff only\"");
        assertThat(as("file.test", "bcrypt", "wrong").status()).isEqualTo(401);
        assertThat(as("file.test", "nobody", "bcrypt-pass").status()).isEqualTo(401);
        assertThat(as("file.test", "apr", "bcrypt-pass").status()).isEqualTo(401);
        // a user of another Ingress's Secret
        assertThat(as("file.test", "carol", "carol-pass").status()).isEqualTo(401);
        assertThat(pod.seen()).isEmpty();
    }

    @Test
    void satisfyAnyLetsTheAllowListOrAUserInAndAllAsksForBoth() throws Exception {
        // any: an address the allow-list admits needs no password; another needs one, and gets the challenge
        assertThat(as("127.0.0.1", "any.test", null, null).status()).isEqualTo(200);
        RawHttp.Response outside = as("127.0.0.7", "any.test", null, null);
        assertThat(outside.status()).isEqualTo(401);
        assertThat(outside.header("WWW-Authenticate")).startsWith("Basic realm=");
        assertThat(as("127.0.0.7", "any.test", "apr", "wrong").status()).isEqualTo(401);
        assertThat(as("127.0.0.7", "any.test", "apr", "apr-pass").status()).isEqualTo(200);
        // all, the default: both
        assertThat(as("127.0.0.1", "all.test", null, null).status()).isEqualTo(401);
        assertThat(as("127.0.0.7", "all.test", "apr", "apr-pass").status()).isEqualTo(403);
        assertThat(as("127.0.0.1", "all.test", "apr", "apr-pass").status()).isEqualTo(200);
        // as nginx's access module: a deny-list alone admits no one, so a user is still asked for; and a user is
        // let in from a denied address
        assertThat(as("127.0.0.1", "any-denied.test", null, null).status()).isEqualTo(401);
        assertThat(as("127.0.0.7", "any-denied.test", null, null).status()).isEqualTo(401);
        assertThat(as("127.0.0.7", "any-denied.test", "apr", "apr-pass").status()).isEqualTo(200);
    }

    @Test
    void anotherNamespacesUsersServeOnlyWithAllowCrossNamespaceResources() throws Exception {
        String staff = secret("staff", Map.of("auth", "apr:" + Md5Crypt.apr1Crypt("apr-pass") + "\n"))
                .replace("  name: staff\n", "  name: staff\n  namespace: shared\n");
        write(manifests, "borrowing.yaml", staff + "---\n" + Manifests.ingress("borrowing", "borrow.test", "/", "svc",
                Map.of(P + "auth-type", "basic", P + "auth-secret", "shared/staff")));
        caravan.close();
        caravan = CaravanHarness.start(manifests);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                caravan.caravan().lastCompilation().problems()).anySatisfy(problem -> {
                    assertThat(problem.ingress().name()).isEqualTo("borrowing");
                    assertThat(problem.message()).contains("shared/staff", "--allow-cross-namespace-resources");
                }));
        assertThat(as("file.test", "apr", "apr-pass").status()).isEqualTo(200);
        // it asks for authentication it cannot be given: its paths answer 503 rather than serve anyone
        assertThat(as("borrow.test", "apr", "apr-pass").status()).isEqualTo(503);
        caravan.close();
        caravan = CaravanHarness.start(manifests, "--allow-cross-namespace-resources");
        assertThat(as("borrow.test", "apr", "apr-pass").status()).isEqualTo(200);
        assertThat(as("borrow.test", null, null).status()).isEqualTo(401);
        assertThat(as("borrow.test", "bcrypt", "bcrypt-pass").status()).isEqualTo(401);
    }

    @Test
    void aMissingSecretDeniesTheIngressRatherThanServeItUnprotected() throws Exception {
        // as ingress-nginx's "location denied": its paths answer 503, and no other rule takes them
        assertThat(as("missing.test", "bcrypt", "bcrypt-pass").status()).isEqualTo(503);
        assertThat(caravan.caravan().lastCompilation().problems()).anySatisfy(problem -> {
            assertThat(problem.ingress().name()).isEqualTo("missing");
            assertThat(problem.message()).contains("auth-secret", "default/nobody", "does not exist");
        });
        assertThat(pod.seen()).isEmpty();
    }

    @Test
    void aChangedSecretChangesWhoGetsInAndWhatWasVerifiedIsNotTrustedAfterwards() throws Exception {
        assertThat(as("file.test", "apr", "apr-pass").status()).isEqualTo(200);
        caravan.write("users.yaml", secret("users", Map.of("auth", "apr:" + Md5Crypt.apr1Crypt("new-pass") + "\n")));
        // users.yaml now defines the Secret too: the manifests folder reports the duplicate, so take it out of all.yaml
        String all = java.nio.file.Files.readString(manifests.resolve("all.yaml"));
        caravan.write("all.yaml", all.replaceAll("(?s)---\\napiVersion: v1\\nkind: Secret\\nmetadata:\\n  name: users\\n.*?(?=---)", ""));
        caravan.awaitResponse("file.test", "/", response -> {
            try {
                return as("file.test", "apr", "new-pass").status() == 200;
            } catch (Exception e) {
                return false;
            }
        });
        assertThat(as("file.test", "apr", "apr-pass").status()).isEqualTo(401);
        assertThat(as("file.test", "bcrypt", "bcrypt-pass").status()).isEqualTo(401);
    }
}

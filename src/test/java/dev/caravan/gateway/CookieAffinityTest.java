package dev.caravan.gateway;

import dev.caravan.testing.FreePorts;
import static dev.caravan.testing.CaravanHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.balance.AffinityIndex;
import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.Manifests;
import dev.caravan.testing.RawHttp;
import dev.caravan.testing.TestBackend;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cookie session affinity end to end: what Set-Cookie says, and which pod each cookie reaches. */
class CookieAffinityTest {

    private static final String NGINX = "nginx.ingress.kubernetes.io/";
    /** A persistent cookie is 32 hex; a balanced one adds its backend's mark. */
    private static final Pattern COOKIE = Pattern.compile("INGRESSCOOKIE=([0-9a-f]{32}(?:\\.[0-9a-f]{8})?)");

    @TempDir
    Path manifests;
    final List<TestBackend> pods = new ArrayList<>();
    final List<CaravanHarness> caravans = new ArrayList<>();

    @BeforeEach
    void pods() throws Exception {
        for (int i = 0; i < 3; i++) {
            pods.add(TestBackend.start("127.0.0." + (2 + i), "pod-" + i));
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (CaravanHarness caravan : caravans) {
            caravan.close();
        }
        for (TestBackend pod : pods) {
            pod.close();
        }
    }

    private CaravanHarness start(Map<String, String> annotations, int podCount) throws Exception {
        write(manifests, "app.yaml", Manifests.ingressClass() + "---\n"
                + Manifests.service("svc", pods.subList(0, podCount).toArray(TestBackend[]::new)) + "---\n"
                + Manifests.ingress("app", "app.example.com", "/shop", "svc", annotations));
        CaravanHarness caravan = CaravanHarness.start(manifests);
        caravans.add(caravan);
        return caravan;
    }

    private static RawHttp.Response get(CaravanHarness caravan, String cookie) throws Exception {
        try (RawHttp http = new RawHttp(caravan.httpPort())) {
            http.send("GET /shop/cart HTTP/1.1\r\nHost: app.example.com\r\n"
                    + (cookie == null ? "" : "Cookie: theme=dark; INGRESSCOOKIE=" + cookie + "\r\n") + "\r\n");
            return http.read(false);
        }
    }

    private static String servedBy(CaravanHarness caravan, String cookie) {
        try {
            return get(caravan, cookie).text();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String issued(RawHttp.Response response) {
        String setCookie = response.header("Set-Cookie");
        assertThat(setCookie).as("Set-Cookie").isNotNull();
        Matcher matcher = COOKIE.matcher(setCookie);
        assertThat(matcher.find()).isTrue();
        return matcher.group(1);
    }

    private CaravanHarness startWithCanary(Map<String, String> affinity) throws Exception {
        Map<String, String> canary = Map.of(NGINX + "canary", "true", NGINX + "canary-weight", "50");
        write(manifests, "app.yaml", String.join("---\n", Manifests.ingressClass(),
                Manifests.service("svc", pods.get(0), pods.get(1)), Manifests.service("next", pods.get(2)),
                Manifests.ingress("app", "app.example.com", "/shop", "svc", affinity),
                Manifests.ingress("app-canary", "app.example.com", "/shop", "next", canary)));
        CaravanHarness caravan = CaravanHarness.start(manifests);
        caravans.add(caravan);
        return caravan;
    }

    @Test
    void stickyCanaryBehaviorKeepsAPinnedClientWithItsBackendWhateverTheWeight() throws Exception {
        for (String mode : new String[] {"balanced", "persistent"}) {
            CaravanHarness caravan = startWithCanary(Map.of(NGINX + "affinity", "cookie", NGINX + "affinity-mode", mode));
            Set<String> firstPods = new java.util.HashSet<>();
            // clients land on main and canary by weight; each stays where it landed
            for (int client = 0; client < 12; client++) {
                RawHttp.Response first = get(caravan, null);
                String cookie = issued(first);
                firstPods.add(first.text());
                for (int i = 0; i < 8; i++) {
                    assertThat(servedBy(caravan, cookie)).as(mode + " client " + client).isEqualTo(first.text());
                }
            }
            assertThat(firstPods).as(mode).contains("pod-2").containsAnyOf("pod-0", "pod-1");
            caravan.close();
            caravans.remove(caravan);
        }
    }

    @Test
    void legacyCanaryBehaviorLetsTheWeightDecideForPinnedClientsToo() throws Exception {
        CaravanHarness caravan = startWithCanary(Map.of(NGINX + "affinity", "cookie",
                NGINX + "affinity-mode", "persistent", NGINX + "affinity-canary-behavior", "legacy"));
        RawHttp.Response first = get(caravan, null);
        String cookie = issued(first);
        Set<String> served = new java.util.HashSet<>();
        for (int i = 0; i < 40; i++) {
            served.add(servedBy(caravan, cookie));
        }
        // one main pod (the pinned one, or the first re-pinned) and the canary: the cookie did not hold
        assertThat(served).contains("pod-2").containsAnyOf("pod-0", "pod-1");
    }

    @Test
    void balancedCookiePinsEveryRequestToOnePodAndIsSetOnlyWhenMissing() throws Exception {
        CaravanHarness caravan = start(Map.of(NGINX + "affinity", "cookie"), 3);
        RawHttp.Response first = get(caravan, null);
        String cookie = issued(first);
        assertThat(first.header("Set-Cookie")).isEqualTo("INGRESSCOOKIE=" + cookie + "; Path=/shop; HTTPOnly");
        for (int i = 0; i < 10; i++) {
            RawHttp.Response again = get(caravan, cookie);
            assertThat(again.text()).isEqualTo(first.text());
            assertThat(again.header("Set-Cookie")).isNull();
        }
    }

    @Test
    void aCookieIssuedByOneReplicaIsHonouredByAnother() throws Exception {
        CaravanHarness one = start(Map.of(NGINX + "affinity", "cookie"), 3);
        CaravanHarness two = CaravanHarness.start(manifests);
        caravans.add(two);
        for (int i = 0; i < 5; i++) {
            RawHttp.Response issued = get(one, null);
            String cookie = issued(issued);
            assertThat(get(two, cookie).text()).isEqualTo(issued.text());
        }
    }

    @Test
    void balancedModeAfterAPodIsAddedMovesSomeCookiesToItAndNoneElsewhere() throws Exception {
        CaravanHarness caravan = start(Map.of(NGINX + "affinity", "cookie"), 2);
        Map<String, String> before = new HashMap<>();
        for (int i = 0; i < 30; i++) {
            RawHttp.Response response = get(caravan, null);
            before.put(issued(response), response.text());
        }
        caravan.write("app.yaml", Manifests.ingressClass() + "---\n" + Manifests.service("svc", pods.get(0),
                pods.get(1), pods.get(2)) + "---\n" + Manifests.ingress("app", "app.example.com", "/shop", "svc",
                        Map.of(NGINX + "affinity", "cookie")));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> before.keySet().stream()
                .anyMatch(cookie -> servedBy(caravan, cookie).equals("pod-2")));
        int stayed = 0;
        for (Map.Entry<String, String> entry : before.entrySet()) {
            String now = get(caravan, entry.getKey()).text();
            assertThat(now).as("a cookie either stays or moves to the new pod").isIn(entry.getValue(), "pod-2");
            stayed += now.equals(entry.getValue()) ? 1 : 0;
        }
        assertThat(stayed).isGreaterThan(0).isLessThan(before.size());
    }

    @Test
    void persistentModeKeepsItsPodWhenOneIsAddedAndRepinsWhenItsPodIsRemoved() throws Exception {
        Map<String, String> persistent = Map.of(NGINX + "affinity", "cookie", NGINX + "affinity-mode", "persistent");
        CaravanHarness caravan = start(persistent, 2);
        RawHttp.Response first = get(caravan, null);
        String cookie = issued(first);
        TestBackend pinned = pods.stream().filter(p -> p.name().equals(first.text())).findFirst().orElseThrow();
        assertThat(cookie).isEqualTo(new AffinityIndex("default/svc:80", List.of()).persistentKey(pinned.address()));

        caravan.write("app.yaml", Manifests.ingressClass() + "---\n" + Manifests.service("svc", pods.get(0),
                pods.get(1), pods.get(2)) + "---\n" + Manifests.ingress("app", "app.example.com", "/shop", "svc",
                        persistent));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> get(caravan, null).text().equals("pod-2"));
        for (int i = 0; i < 10; i++) {
            assertThat(get(caravan, cookie).text()).isEqualTo(pinned.name());
        }

        TestBackend other = pods.get(0) == pinned ? pods.get(1) : pods.get(0);
        caravan.write("app.yaml", Manifests.ingressClass() + "---\n" + Manifests.service("svc", other) + "---\n"
                + Manifests.ingress("app", "app.example.com", "/shop", "svc", persistent));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> get(caravan, cookie).text().equals(other.name()));
        RawHttp.Response repinned = get(caravan, cookie);
        assertThat(issued(repinned)).isEqualTo(new AffinityIndex("default/svc:80", List.of())
                .persistentKey(other.address()));
    }

    @Test
    void cookieAttributesFollowTheAnnotations() throws Exception {
        CaravanHarness caravan = start(Map.of(NGINX + "affinity", "cookie", NGINX + "session-cookie-name", "route",
                NGINX + "session-cookie-path", "/", NGINX + "session-cookie-domain", ".example.com",
                NGINX + "session-cookie-max-age", "3600", NGINX + "session-cookie-samesite", "Strict",
                NGINX + "session-cookie-secure", "true"), 2);
        String setCookie = get(caravan, null).header("Set-Cookie");
        // Max-Age alone, as ingress-nginx writes it: no Expires of its own making
        assertThat(setCookie).matches("route=[0-9a-f]{32}\\.[0-9a-f]{8}; Path=/; Domain=.example.com; Secure; HTTPOnly;"
                + " SameSite=Strict; Max-Age=3600");
    }

    @Test
    void expiresAndMaxAgeAreEachTheirOwnAnnotations() throws Exception {
        CaravanHarness caravan = start(Map.of(NGINX + "affinity", "cookie", NGINX + "session-cookie-max-age", "3600",
                NGINX + "session-cookie-expires", "172800"), 2);
        String setCookie = get(caravan, null).header("Set-Cookie");
        assertThat(setCookie).contains("; Max-Age=3600");
        java.util.regex.Matcher expires = java.util.regex.Pattern.compile("; Expires=([^;]+)").matcher(setCookie);
        assertThat(expires.find()).as(setCookie).isTrue();
        long ahead = io.netty.handler.codec.DateFormatter.parseHttpDate(expires.group(1)).getTime()
                - System.currentTimeMillis();
        assertThat(Duration.ofMillis(ahead)).isBetween(Duration.ofHours(47), Duration.ofHours(48).plusMinutes(1));
    }

    @Test
    void changeOnFailureRepinsWhenThePinnedPodFails() throws Exception {
        int closed = FreePorts.next();
        InetSocketAddress dead = new InetSocketAddress("127.0.0.9", closed);
        String slices = Manifests.service("svc", pods.get(0)) + "---\n"
                + Manifests.slice("svc-dead", "svc", "127.0.0.9", closed, true);
        Map<String, String> annotations = new HashMap<>(Map.of(NGINX + "affinity", "cookie",
                NGINX + "affinity-mode", "persistent"));
        write(manifests, "app.yaml", Manifests.ingressClass() + "---\n" + slices + "---\n"
                + Manifests.ingress("app", "app.example.com", "/shop", "svc", annotations));
        CaravanHarness caravan = CaravanHarness.start(manifests);
        caravans.add(caravan);
        String deadCookie = new AffinityIndex("default/svc:80", List.of()).persistentKey(dead);

        RawHttp.Response kept = get(caravan, deadCookie);
        assertThat(kept.text()).isEqualTo("pod-0");
        assertThat(kept.header("Set-Cookie")).as("without change-on-failure the cookie stays").isNull();

        annotations.put(NGINX + "session-cookie-change-on-failure", "true");
        caravan.write("app.yaml", Manifests.ingressClass() + "---\n" + slices + "---\n"
                + Manifests.ingress("app", "app.example.com", "/shop", "svc", annotations));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> get(caravan, deadCookie).header("Set-Cookie") != null);
        assertThat(issued(get(caravan, deadCookie))).isEqualTo(new AffinityIndex("default/svc:80", List.of())
                .persistentKey(pods.get(0).address()));
    }
}

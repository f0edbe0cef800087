package dev.caravan.compile.annotation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.routing.AuthCaching;
import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.ResponseRewrite;
import dev.caravan.routing.RoutePolicy;
import dev.caravan.routing.UrlTemplate;
import dev.caravan.upstream.NextUpstream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class AnnotationParserTest {

    private static final String N = AnnotationCatalog.PREFIX;

    private static AnnotationParser.Parsed parse(String... keyValues) {
        Map<String, String> annotations = new java.util.HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            annotations.put(keyValues[i], keyValues[i + 1]);
        }
        return AnnotationParser.parse(annotations, "default");
    }

    @Test
    void noAnnotationsIsNoPolicy() {
        AnnotationParser.Parsed parsed = parse("kubernetes.io/ingress.class", "caravan", "other.io/x", "y");
        assertThat(parsed.policy()).isEqualTo(RoutePolicy.NONE);
        assertThat(parsed.findings()).isEmpty();
    }

    @Test
    void supportedValuesAreTyped() {
        RoutePolicy policy = parse(N + "rewrite-target", "/$1/x", N + "app-root", "/app",
                N + "x-forwarded-prefix", "/shop", N + "upstream-vhost", "internal.svc:8080",
                N + "proxy-body-size", "8m", N + "proxy-connect-timeout", "3", N + "proxy-read-timeout", "120",
                N + "temporal-redirect", "https://t.example.com/").policy();
        assertThat(policy.rewriteTarget()).isEqualTo("/$1/x");
        assertThat(policy.regexPaths()).as("only use-regex itself; a rewrite makes its own path a regex").isFalse();
        assertThat(policy.appRoot()).isEqualTo("/app");
        assertThat(policy.forwardedPrefix()).isEqualTo("/shop");
        assertThat(policy.upstreamVhost().literal()).isEqualTo("internal.svc:8080");
        assertThat(policy.maxBodySize()).isEqualTo(8L << 20);
        assertThat(policy.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(policy.readTimeout()).isEqualTo(Duration.ofSeconds(120));
        assertThat(policy.redirect()).isEqualTo(new RoutePolicy.Redirect("https://t.example.com/", 302));
    }

    @Test
    void temporalRedirectWinsOverPermanentAndCodesOutOfRangeFallBackToTheDefault() {
        RoutePolicy both = parse(N + "permanent-redirect", "/new", N + "temporal-redirect", "/tmp",
                N + "temporal-redirect-code", "307").policy();
        assertThat(both.redirect()).isEqualTo(new RoutePolicy.Redirect("/tmp", 307));
        assertThat(parse(N + "permanent-redirect", "/new", N + "permanent-redirect-code", "308").policy().redirect())
                .isEqualTo(new RoutePolicy.Redirect("/new", 308));
        assertThat(parse(N + "permanent-redirect", "/new").policy().redirect().status()).isEqualTo(301);
        AnnotationParser.Parsed outOfRange = parse(N + "permanent-redirect", "/x", N + "permanent-redirect-code", "200");
        assertThat(outOfRange.blocked()).isFalse();
        assertThat(outOfRange.policy().redirect().status()).isEqualTo(301);
        // nginx variables, filled in per request as nginx's return; one Caravan does not fill in is refused
        RoutePolicy.Redirect moved = parse(N + "permanent-redirect", "$scheme://new.example$request_uri").policy()
                .redirect();
        assertThat(moved.location()).isEqualTo("$scheme://new.example$request_uri");
        assertThat(moved.variables()).isNotNull();
        AnnotationParser.Parsed unknown = parse(N + "permanent-redirect", "https://new.example$geoip_city");
        assertThat(unknown.policy().redirect()).isNull();
        assertThat(unknown.findings()).anySatisfy(finding -> assertThat(finding.toString()).contains("$geoip_city"));
    }

    @Test
    void booleansAndSameSiteAreReadAsIngressNginxReadsThem() {
        assertThat(parse(N + "use-regex", "True").policy().regexPaths()).isTrue();
        assertThat(parse(N + "use-regex", "1").policy().regexPaths()).isTrue();
        assertThat(parse(N + "affinity", "cookie", N + "session-cookie-samesite", "none").policy().affinity()
                .sameSite()).isEqualTo("None");
    }

    @Test
    void authenticationNotAppliedIsRefusedRatherThanServedUnprotected() {
        AnnotationParser.Parsed parsed = parse(N + "auth-new-thing", "x");
        assertThat(parsed.blocked()).isTrue();
        assertThat(parsed.findings()).singleElement()
                .satisfies(f -> assertThat(f.kind()).isEqualTo(AnnotationFinding.Kind.REFUSED));
    }

    @Test
    void anotherNamespacesSecretOnlyWhenTheOperatorAllowsIt() {
        Map<String, String> annotations = Map.of(N + "auth-type", "basic", N + "auth-secret", "shared/users");
        AnnotationParser.Parsed refused = AnnotationParser.parse(annotations, "team");
        assertThat(refused.blocked()).isTrue();
        assertThat(refused.findings()).singleElement().satisfies(f -> assertThat(f.toString())
                .contains("auth-secret", "another namespace", "--allow-cross-namespace-resources"));
        AnnotationParser.Parsed allowed = AnnotationParser.parse(annotations, "team", true);
        assertThat(allowed.findings()).isEmpty();
        assertThat(allowed.policy().userAuth().secret()).isEqualTo(ObjectRef.parse("shared/users"));
        assertThat(AnnotationParser.parse(Map.of(N + "auth-type", "basic", N + "auth-secret", "users"), "team", true)
                .policy().userAuth().secret()).isEqualTo(ObjectRef.parse("team/users"));
    }

    @Test
    void proxyRedirectAndProxyCookieAreOffOrLiteralText() {
        assertThat(parse(N + "proxy-redirect-from", "off", N + "proxy-redirect-to", "/x").policy().responseRewrite())
                .isNull();
        assertThat(parse(N + "proxy-redirect-from", "default").policy().responseRewrite()).isNull();
        assertThat(parse(N + "proxy-redirect-from", "http://pod/", N + "proxy-redirect-to", "off").policy()
                .responseRewrite()).isNull();
        assertThat(parse(N + "proxy-cookie-path", "off", N + "proxy-cookie-domain", "off").policy().responseRewrite())
                .isNull();
        AnnotationParser.Parsed all = AnnotationParser.parse(Map.of(N + "proxy-redirect-from", "http://pod/",
                N + "proxy-redirect-to", "/app/", N + "proxy-cookie-domain", ".pod  .example.com",
                N + "proxy-cookie-path", "/one/ /"), "default");
        assertThat(all.findings()).isEmpty();
        // as nginx, a leading dot is dropped from both domains
        assertThat(all.policy().responseRewrite()).isEqualTo(new ResponseRewrite("http://pod/", "/app/", "pod",
                "example.com", "/one/", "/"));
        // malformed: passed over, as ingress-nginx's proxy annotations are
        for (String[] bad : new String[][] {{"proxy-cookie-path", "/one"}, {"proxy-cookie-domain", "a b c"}}) {
            AnnotationParser.Parsed parsed = parse(N + bad[0], bad[1]);
            assertThat(parsed.blocked()).as(bad[1]).isFalse();
            assertThat(parsed.policy().responseRewrite()).isNull();
            assertThat(parsed.findings()).singleElement().satisfies(f -> {
                assertThat(f.kind()).isEqualTo(AnnotationFinding.Kind.IGNORED);
                assertThat(f.toString()).contains(bad[0]);
            });
        }
        // nginx's variables and regexes: served without them, said so, as ingress-nginx 1.12 ignores them
        for (String[] evaluated : new String[][] {{"proxy-cookie-path", "~^/a /b"},
            {"proxy-cookie-domain", "$host example.com"}, {"proxy-redirect-to", "https://$host/"}}) {
            AnnotationParser.Parsed parsed = parse(N + evaluated[0], evaluated[1], N + "proxy-redirect-from",
                    "http://pod/");
            assertThat(parsed.blocked()).as(evaluated[1]).isFalse();
            assertThat(parsed.findings()).as(evaluated[1]).singleElement().satisfies(f -> {
                assertThat(f.kind()).isEqualTo(AnnotationFinding.Kind.UNSUPPORTED);
                assertThat(f.toString()).contains(evaluated[0], "not evaluated");
            });
        }
    }

    @Test
    void satisfyIsAllOrAnyAsIngressNginxSpellsThem() {
        assertThat(parse(N + "satisfy", "any").policy().satisfyAny()).isTrue();
        assertThat(parse(N + "satisfy", " any ").policy().satisfyAny()).isTrue();
        assertThat(parse(N + "satisfy", "all").policy().satisfyAny()).isFalse();
        assertThat(AnnotationParser.parse(Map.of(), "default").policy().satisfyAny()).isFalse();
        AnnotationParser.Parsed other = parse(N + "satisfy", "Any");
        assertThat(other.blocked()).isTrue();
        assertThat(other.findings()).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(AnnotationFinding.Kind.INVALID);
            assertThat(f.toString()).contains("satisfy", "is not all or any");
        });
    }

    @Test
    void clientCertificatesAreAskedAsIngressNginxReadsAuthTls() {
        AnnotationParser.Parsed defaults = AnnotationParser.parse(Map.of(N + "auth-tls-secret", "team/ca"), "team");
        assertThat(defaults.findings()).isEmpty();
        RoutePolicy.ClientCertificates asked = defaults.policy().clientCertificates();
        assertThat(asked.secret()).hasToString("team/ca");
        assertThat(asked.verify()).isEqualTo(RoutePolicy.ClientCertificates.Verify.ON);
        assertThat(asked.depth()).isEqualTo(1);
        assertThat(asked.errorPage()).isNull();
        assertThat(asked.passCertificate()).isFalse();
        assertThat(asked.matchSubject()).isNull();
        assertThat(asked.authority()).as("read by the compiler").isNull();

        RoutePolicy.ClientCertificates all = AnnotationParser.parse(Map.of(N + "auth-tls-secret", "ca",
                N + "auth-tls-verify-client", "optional_no_ca", N + "auth-tls-verify-depth", "2",
                N + "auth-tls-error-page", "https://errors.example.test/cert.html",
                N + "auth-tls-pass-certificate-to-upstream", "true", N + "auth-tls-match-cn", "CN=(alice|bob)"),
                "team").policy().clientCertificates();
        assertThat(all.verify()).isEqualTo(RoutePolicy.ClientCertificates.Verify.OPTIONAL_NO_CA);
        assertThat(all.depth()).isEqualTo(2);
        assertThat(all.errorPage()).isEqualTo("https://errors.example.test/cert.html");
        assertThat(all.passCertificate()).isTrue();
        assertThat(all.matchSubject().matcher("CN=bob,O=Example").find()).isTrue();
        // as ingress-nginx: a depth of 0 is the default
        assertThat(AnnotationParser.parse(Map.of(N + "auth-tls-secret", "ca", N + "auth-tls-verify-depth", "0"),
                "team").policy().clientCertificates().depth()).isEqualTo(1);
    }

    @Test
    void clientCertificatesAskedAmissMakeTheIngressInvalidRatherThanServedWithLess() {
        for (Map<String, String> bad : List.of(Map.of(N + "auth-tls-verify-client", "on"),
                Map.of(N + "auth-tls-secret", "other/ca"),
                Map.of(N + "auth-tls-secret", "ca", N + "auth-tls-verify-client", "yes"),
                Map.of(N + "auth-tls-secret", "ca", N + "auth-tls-verify-depth", "deep"),
                Map.of(N + "auth-tls-secret", "ca", N + "auth-tls-error-page", "/error.html"),
                Map.of(N + "auth-tls-secret", "ca", N + "auth-tls-match-cn", "alice"),
                Map.of(N + "auth-tls-secret", "ca", N + "auth-tls-match-cn", "CN=(alice"))) {
            AnnotationParser.Parsed parsed = AnnotationParser.parse(bad, "team");
            assertThat(parsed.blocked()).as(bad.toString()).isTrue();
            assertThat(parsed.findings()).as(bad.toString())
                    .allSatisfy(f -> assertThat(f.kind()).isEqualTo(AnnotationFinding.Kind.INVALID));
        }
    }

    @Test
    void userAuthNeedsASecretOfTheSameNamespace() {
        AnnotationParser.Parsed basic = AnnotationParser.parse(Map.of(N + "auth-type", "basic", N + "auth-secret",
                "users", N + "auth-realm", "Staff only"), "team");
        assertThat(basic.findings()).isEmpty();
        assertThat(basic.policy().userAuth().secret()).hasToString("team/users");
        assertThat(basic.policy().userAuth().realm()).isEqualTo("Staff only");
        assertThat(basic.policy().userAuth().digest()).isFalse();
        AnnotationParser.Parsed digest = AnnotationParser.parse(Map.of(N + "auth-type", "digest", N + "auth-secret",
                "users", N + "auth-secret-type", "auth-map"), "team");
        assertThat(digest.findings()).isEmpty();
        assertThat(digest.policy().userAuth()).isEqualTo(new RoutePolicy.UserAuth(ObjectRef.parse("team/users"), true,
                "", true, null));
        for (Map<String, String> bad : List.of(Map.of(N + "auth-type", "Digest", N + "auth-secret", "users"),
                Map.of(N + "auth-type", "basic"), Map.of(N + "auth-type", "digest"), Map.of(N + "auth-type", "basic", N + "auth-secret", "other/users"),
                Map.of(N + "auth-type", "basic", N + "auth-secret", "users", N + "auth-realm", "say \"hi\""),
                Map.of(N + "auth-type", "basic", N + "auth-secret", "users", N + "auth-secret-type", "ldap"))) {
            AnnotationParser.Parsed parsed = AnnotationParser.parse(bad, "team");
            assertThat(parsed.blocked()).as(bad.toString()).isTrue();
            assertThat(parsed.policy().userAuth()).as(bad.toString()).isNull();
        }
    }

    @Test
    void authUrlIsParsedWithItsCompanionsAndOnlyTheVariablesCaravanFillsIn() {
        AnnotationParser.Parsed parsed = AnnotationParser.parse(Map.of(N + "auth-url", "https://auth.test/check?u=$escaped_request_uri",
                N + "auth-signin", "https://$host/start", N + "auth-response-headers", "X-User, X-Email",
                N + "auth-method", "POST"), "default");
        assertThat(parsed.findings()).isEmpty();
        RoutePolicy.ExternalAuth auth = parsed.policy().externalAuth();
        assertThat(auth.url().expand(new UrlTemplate.Request("http", "a.test", "/x?y=1", "/x")))
                .hasToString("https://auth.test/check?u=%2Fx%3Fy%3D1");
        assertThat(auth.signin().expand(new UrlTemplate.Request("http", "a.test", "/x", "/x")))
                .hasToString("https://a.test/start");
        assertThat(auth.responseHeaders()).containsExactly("X-User", "X-Email");
        assertThat(auth.method()).isEqualTo("POST");
        assertThat(auth.redirectParam()).isEqualTo("rd");

        for (String bad : new String[] {"http://a.test/?ip=$remote_addr", "/relative", "ftp://a.test/", "http://a.test/$"}) {
            AnnotationParser.Parsed invalid = parse(N + "auth-url", bad);
            assertThat(invalid.blocked()).as(bad).isTrue();
            assertThat(invalid.policy().externalAuth()).as(bad).isNull();
        }
        assertThat(AnnotationParser.parse(Map.of(N + "auth-url", "http://a.test/", N + "auth-response-headers",
                "X-Ok, not a header"), "default").blocked()).isTrue();
    }

    @Test
    void mirrorTargetWritesOutItsSchemeAndHostSoNoClientChoosesWhereCopiesGo() {
        RoutePolicy.Mirror mirror = parse(N + "mirror-target", "https://shadow.test:8443$request_uri").policy().mirror();
        assertThat(mirror.host()).as("the target's host, without its port, as ingress-nginx").isEqualTo("shadow.test");
        assertThat(mirror.requestBody()).isTrue();
        assertThat(mirror.target().expand(new UrlTemplate.Request("http", "a.test", "/x?y=1", "/x")))
                .hasToString("https://shadow.test:8443/x?y=1");
        assertThat(parse(N + "mirror-target", "http://10.0.0.9/copy?from=$host").policy().mirror().target()
                .expand(new UrlTemplate.Request("http", "Shop.TEST", "/", "/"))).as("nginx's $host: lower case")
                .hasToString("http://10.0.0.9/copy?from=shop.test");
        RoutePolicy.Mirror set = AnnotationParser.parse(Map.of(N + "mirror-target", "http://10.0.0.9/copy?from=$host",
                N + "mirror-host", "copies.test", N + "mirror-request-body", "off"), "default").policy().mirror();
        assertThat(set.host()).isEqualTo("copies.test");
        assertThat(set.requestBody()).isFalse();
        assertThat(parse(N + "mirror-host", "copies.test").policy().mirror()).as("no target: nothing").isNull();

        // as ingress-nginx: served without the mirror, said so
        for (String bad : new String[] {"http://$host/copy", "https://$http_x_target$request_uri", "http://shadow.test$args",
                "http://shadow.test$escaped_request_uri", "shadow.test/copy", "http://shadow.test/$remote_addr"}) {
            AnnotationParser.Parsed invalid = parse(N + "mirror-target", bad);
            assertThat(invalid.blocked()).as(bad).isFalse();
            assertThat(invalid.findings()).as(bad).singleElement().satisfies(finding -> {
                assertThat(finding.kind()).isEqualTo(AnnotationFinding.Kind.IGNORED);
                assertThat(finding.toString()).contains("mirror-target", "not mirrored");
            });
            assertThat(invalid.policy().mirror()).as(bad).isNull();
        }
        AnnotationParser.Parsed yes = AnnotationParser.parse(Map.of(N + "mirror-target", "http://shadow.test$request_uri",
                N + "mirror-request-body", "yes", N + "mirror-host", "not a host"), "default");
        assertThat(yes.blocked()).isFalse();
        assertThat(yes.findings()).hasSize(2);
        assertThat(yes.policy().mirror().requestBody()).isTrue();
        assertThat(yes.policy().mirror().host()).isEqualTo("shadow.test");
    }

    @Test
    void authCachingNeedsAKeyOfVariablesCaravanFillsInAndDurationsAsNginxWritesThem() {
        String url = "http://a.test/";
        RoutePolicy.ExternalAuth plain = parse(N + "auth-url", url).policy().externalAuth();
        assertThat(plain.caching()).isNull();
        assertThat(plain.alwaysSetCookie()).isFalse();

        AnnotationParser.Parsed cached = parse(N + "auth-url", url, N + "auth-cache-key", "$remote_user$http_authorization",
                N + "auth-cache-duration", "200 202 10m, 401 30s", N + "auth-always-set-cookie", "true");
        assertThat(cached.findings()).isEmpty();
        AuthCaching caching = cached.policy().externalAuth().caching();
        assertThat(caching.validity(202)).isEqualTo(Duration.ofMinutes(10));
        assertThat(caching.validity(401)).isEqualTo(Duration.ofSeconds(30));
        assertThat(caching.validity(403)).isNull();
        assertThat(cached.policy().externalAuth().alwaysSetCookie()).isTrue();
        // no duration: ingress-nginx's 200 202 401 5m
        AuthCaching defaults = parse(N + "auth-url", url, N + "auth-cache-key", "$cookie__oauth2_proxy")
                .policy().externalAuth().caching();
        assertThat(defaults.validity(401)).isEqualTo(Duration.ofMinutes(5));
        assertThat(defaults.validity(500)).isNull();

        for (String[] bad : new String[][] {{"auth-cache-key", "$time_local"}, {"auth-cache-duration", "200 5x"},
            {"auth-cache-duration", "5m 200"}, {"auth-cache-duration", "200 202"}, {"auth-always-set-cookie", "yes"}}) {
            AnnotationParser.Parsed invalid = parse(N + "auth-url", url, N + "auth-cache-key", "$http_authorization",
                    N + bad[0], bad[1]);
            assertThat(invalid.blocked()).as(bad[0] + ": " + bad[1]).isTrue();
            assertThat(invalid.findings()).as(bad[1]).anySatisfy(finding ->
                    assertThat(finding.annotation()).isEqualTo(N + bad[0]));
        }
    }

    @Test
    void sizesFollowNginx() {
        assertThat(NginxSize.parse("0")).isZero();
        assertThat(NginxSize.parse("512")).isEqualTo(512);
        assertThat(NginxSize.parse("8k")).isEqualTo(8192);
        assertThat(NginxSize.parse("1M")).isEqualTo(1 << 20);
        assertThat(NginxSize.parse("2g")).isEqualTo(2L << 30);
    }

    static Stream<Arguments> invalidValues() {
        return Stream.of(
                Arguments.of("rewrite-target", "relative/path"),
                Arguments.of("rewrite-target", "/$host/x"),
                Arguments.of("rewrite-target", "/${1}"),
                Arguments.of("use-regex", "yes"),
                Arguments.of("upstream-hash-by", "$request_body"),
                Arguments.of("permanent-redirect", "ftp://x"),
                Arguments.of("permanent-redirect", "https://x$geoip_city"),
                Arguments.of("upstream-vhost", "evil.com\r\nX-Injected: 1"),
                Arguments.of("x-forwarded-prefix", "/a b"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("invalidValues")
    void invalidValuesBlockTheIngressAndNameTheAnnotationAndValue(String name, String value) {
        AnnotationParser.Parsed parsed = parse(N + name, value);
        assertThat(parsed.blocked()).isTrue();
        assertThat(parsed.findings()).singleElement().satisfies(finding -> {
            assertThat(finding.kind()).isEqualTo(AnnotationFinding.Kind.INVALID);
            assertThat(finding.annotation()).isEqualTo(N + name);
            assertThat(finding.message()).contains("'" + value + "'");
        });
    }

    /** ingress-nginx logs these and takes its default: a typo in a timeout must not take an Ingress down on moving. */
    static Stream<Arguments> passedOverValues() {
        return Stream.of(Arguments.of("app-root", "app"), Arguments.of("proxy-body-size", "lots"),
                Arguments.of("proxy-body-size", "10mb"), Arguments.of("proxy-read-timeout", "60s"),
                Arguments.of("proxy-connect-timeout", "0"), Arguments.of("session-cookie-max-age", "1h"),
                Arguments.of("enable-cors", "yes"), Arguments.of("session-cookie-secure", "on"));
    }

    @ParameterizedTest
    @MethodSource("passedOverValues")
    void invalidValuesIngressNginxPassesOverAreIgnoredWithTheirDefault(String name, String value) {
        AnnotationParser.Parsed parsed = parse(N + "affinity", "cookie", N + name, value);
        assertThat(parsed.blocked()).isFalse();
        assertThat(parsed.findings()).singleElement().satisfies(finding -> {
            assertThat(finding.kind()).isEqualTo(AnnotationFinding.Kind.IGNORED);
            assertThat(finding.annotation()).isEqualTo(N + name);
            assertThat(finding.message()).contains("'" + value + "'", "passes it over");
        });
        assertThat(parsed.policy()).isEqualTo(parse(N + "affinity", "cookie").policy());
    }

    @Test
    void anInvalidNextUpstreamKeepsItsDefaultConditionsAndTheTriesAndTimeoutGiven() {
        AnnotationParser.Parsed parsed = parse(N + "proxy-next-upstream", "error timeout http_5xx",
                N + "proxy-next-upstream-tries", "5", N + "proxy-next-upstream-timeout", "7");
        assertThat(parsed.blocked()).isFalse();
        assertThat(parsed.findings()).singleElement().satisfies(finding -> {
            assertThat(finding.kind()).isEqualTo(AnnotationFinding.Kind.IGNORED);
            assertThat(finding.annotation()).isEqualTo(N + "proxy-next-upstream");
        });
        NextUpstream next = parsed.policy().nextUpstream();
        assertThat(next.conditions()).isEqualTo(NextUpstream.DEFAULT.conditions());
        assertThat(next.tries()).isEqualTo(5);
        assertThat(next.timeout()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void aStarIsNoCorsMethodOrAllowedHeaderAsIngressNginxValidatesThem() {
        RoutePolicy.Cors defaults = parse(N + "enable-cors", "true").policy().cors();
        RoutePolicy.Cors starred = parse(N + "enable-cors", "true", N + "cors-allow-headers", "*",
                N + "cors-allow-methods", "*").policy().cors();
        assertThat(starred).isEqualTo(defaults);
        assertThat(defaults.headers()).contains("Authorization");
        assertThat(parse(N + "enable-cors", "true", N + "cors-expose-headers", "*").policy().cors().exposeHeaders())
                .isEqualTo("*");
        // no line break gets into a header through them
        assertThat(parse(N + "enable-cors", "true", N + "cors-expose-headers", "X-Total,\nX-Page").policy().cors()
                .exposeHeaders()).isNull();
        assertThat(parse(N + "enable-cors", "true", N + "cors-allow-methods", "GET,\nPOST").policy().cors())
                .isEqualTo(defaults);
        // credentials: true unless false, as ingress-nginx defaults an invalid value
        assertThat(parse(N + "enable-cors", "true", N + "cors-allow-credentials", "yes").policy().cors().credentials())
                .isTrue();
        assertThat(parse(N + "enable-cors", "true", N + "cors-allow-credentials", "false").policy().cors()
                .credentials()).isFalse();
    }

    @Test
    void aCookieIsSecureOnlyWhenAskedOrOverHttpsAsIngressNginxOmitsAFalseValue() {
        assertThat(parse(N + "affinity", "cookie", N + "session-cookie-secure", "true").policy().affinity().secure())
                .isTrue();
        assertThat(parse(N + "affinity", "cookie", N + "session-cookie-secure", "false").policy().affinity().secure())
                .isNull();
        assertThat(parse(N + "affinity", "cookie", N + "session-cookie-secure", "on").policy().affinity().secure())
                .isNull();
    }

    @Test
    void anEmptySnippetAsksForNothing() {
        assertThat(parse(N + "configuration-snippet", "").findings()).isEmpty();
        assertThat(parse(N + "configuration-snippet", "  ").blocked()).isFalse();
    }

    @Test
    void upstreamVhostMayHoldNginxVariablesAroundAHostName() {
        assertThat(parse(N + "upstream-vhost", "$service_name.$namespace.svc.cluster.local").findings()).isEmpty();
        assertThat(parse(N + "upstream-vhost", "$host").policy().upstreamVhost().literal()).isNull();
        assertThat(parse(N + "upstream-vhost", "$service_name.$namespace.svc:$service_port").findings()).isEmpty();
        for (String bad : new String[] {"$request_body", "$host x", "a/$host", "evil.com\r\nX-Injected: 1"}) {
            AnnotationParser.Parsed parsed = parse(N + "upstream-vhost", bad);
            assertThat(parsed.blocked()).as(bad).isTrue();
            assertThat(parsed.policy().upstreamVhost()).isNull();
        }
    }

    @Test
    void snippetsAreRefusedEvenUnknownOnes() {
        for (String snippet : new String[] {"configuration-snippet", "server-snippet", "auth-snippet",
            "some-future-snippet"}) {
            AnnotationParser.Parsed parsed = parse(N + snippet, "more_set_headers 'X: y';");
            assertThat(parsed.blocked()).isTrue();
            assertThat(parsed.findings()).singleElement()
                    .satisfies(f -> assertThat(f.kind()).isEqualTo(AnnotationFinding.Kind.REFUSED));
        }
    }

    @Test
    void unsupportedAnnotationsAreNamedButDoNotBlock() {
        AnnotationParser.Parsed parsed = parse(N + "proxy-buffering", "on", N + "made-up-thing", "1",
                N + "rewrite-target", "/");
        assertThat(parsed.blocked()).isFalse();
        assertThat(parsed.findings()).extracting(AnnotationFinding::annotation)
                .containsExactlyInAnyOrder(N + "proxy-buffering", N + "made-up-thing");
        assertThat(parsed.policy().rewriteTarget()).isEqualTo("/");
    }

    @Test
    void bufferingOffIsWhatCaravanDoesAnywayAndNoFinding() {
        assertThat(parse(N + "proxy-buffering", "off", N + "proxy-request-buffering", " Off ").findings()).isEmpty();
        assertThat(parse(N + "proxy-request-buffering", "on").findings()).extracting(AnnotationFinding::kind)
                .containsExactly(AnnotationFinding.Kind.UNSUPPORTED);
    }

    @Test
    void proxyBufferSizeRaisesThePodsResponseHeadLimitAboveItsDefault() {
        AnnotationParser.Parsed small = parse(N + "proxy-buffer-size", "16k");
        assertThat(small.findings()).isEmpty();
        assertThat(small.policy().maxResponseHead()).isZero();
        assertThat(parse(N + "proxy-buffer-size", "32k").policy().maxResponseHead()).isZero();
        AnnotationParser.Parsed large = parse(N + "proxy-buffer-size", "128k");
        assertThat(large.findings()).isEmpty();
        assertThat(large.policy().maxResponseHead()).isEqualTo(128 * 1024);
        // in powers of two, so that routes asking alike share pod connections
        assertThat(parse(N + "proxy-buffer-size", "40000").policy().maxResponseHead()).isEqualTo(64 * 1024);
        assertThat(parse(N + "proxy-buffer-size", "1m").policy().maxResponseHead()).isEqualTo(1024 * 1024);
        // more than Caravan reads: served with the most it reads, as nginx would serve it
        AnnotationParser.Parsed huge = parse(N + "proxy-buffer-size", "8m");
        assertThat(huge.findings()).isEmpty();
        assertThat(huge.policy().maxResponseHead()).isEqualTo(1024 * 1024);
        assertThat(parse(N + "proxy-buffer-size", "lots").findings()).extracting(AnnotationFinding::kind)
                .containsExactly(AnnotationFinding.Kind.IGNORED);
    }

    @Test
    void httpOneOneToPodsAndNoTemporaryFilesAreWhatCaravanDoes() {
        assertThat(parse(N + "proxy-http-version", "1.1", N + "proxy-max-temp-file-size", "0").findings()).isEmpty();
        assertThat(parse(N + "proxy-http-version", "1.0").findings()).extracting(AnnotationFinding::kind)
                .containsExactly(AnnotationFinding.Kind.UNSUPPORTED);
        assertThat(parse(N + "proxy-buffers-number", "8", N + "proxy-busy-buffers-size", "64k",
                N + "enable-global-auth", "false", N + "connection-proxy-header", "keep-alive").findings()).isEmpty();
        assertThat(parse(N + "connection-proxy-header", "close").findings()).extracting(AnnotationFinding::kind)
                .containsExactly(AnnotationFinding.Kind.UNSUPPORTED);
    }

    @Test
    void anyClientBodyBufferSizeIsWhatCaravanDoes() {
        assertThat(parse(N + "client-body-buffer-size", "1m").findings()).isEmpty();
        assertThat(parse(N + "client-body-buffer-size", "big").findings()).extracting(AnnotationFinding::kind)
                .containsExactly(AnnotationFinding.Kind.UNSUPPORTED);
    }

    @Test
    void corsOriginsThatAreNoOriginAreSkippedAndTold() {
        AnnotationParser.Parsed parsed = parse(N + "enable-cors", "true",
                N + "cors-allow-origin", "https://*.example.com, bogus, https://app.test");
        assertThat(parsed.blocked()).isFalse();
        assertThat(parsed.policy().cors().origins()).containsExactly("https://*.example.com", "https://app.test");
        assertThat(parsed.findings()).singleElement().satisfies(finding -> {
            assertThat(finding.kind()).isEqualTo(AnnotationFinding.Kind.IGNORED);
            assertThat(finding.toString()).contains("cors-allow-origin", "skipped: bogus");
        });
    }

    @Test
    void corsOriginsNoneOfWhichIsAnOriginAllowNoOrigin() {
        // a trailing slash, as often typed: every entry skipped leaves no origin, never every origin
        AnnotationParser.Parsed parsed = parse(N + "enable-cors", "true",
                N + "cors-allow-origin", "https://app.example.com/");
        assertThat(parsed.policy().cors().origins()).isEmpty();
        assertThat(parsed.policy().cors().allowedOrigin("https://attacker.example")).isNull();
        assertThat(parsed.findings()).singleElement().asString().contains("no origin is allowed");
        // without the annotation, every origin, as ingress-nginx's default
        assertThat(parse(N + "enable-cors", "true").policy().cors().allowedOrigin("https://any.example"))
                .isEqualTo("*");
    }
}

package dev.caravan.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravan.gateway.RealIpSettings;
import dev.caravan.gateway.StatusCodes;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class CaravanOptionsTest {

    private static CaravanOptions parse(String... args) throws UsageException {
        return CaravanOptions.parse(args, new Properties(), Map.of());
    }

    @Test
    void defaultsFollowIngressNginx() throws Exception {
        CaravanOptions options = parse("--manifests", "examples");
        assertThat(options.httpPort()).isEqualTo(8080);
        assertThat(options.adminPort()).isEqualTo(10254);
        assertThat(options.ingressClass()).isEqualTo("caravan");
        assertThat(options.controllerClass()).isEqualTo("caravan.dev/ingress-controller");
        assertThat(options.watchIngressWithoutClass()).isFalse();
        assertThat(options.defaultBackendService()).isNull();
        assertThat(options.proxyConnectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(options.proxyReadTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(options.eventLoops()).as("one per core, decided at start").isZero();
        RealIpSettings realIp = options.realIp();
        assertThat(realIp.proxyProtocol()).isFalse();
        assertThat(realIp.realIpHeader()).isFalse();
        assertThat(realIp.forwardedHeaders()).isFalse();
    }

    @Test
    void theArgsOfAnIngressNginxDeploymentStartCaravan() throws Exception {
        // as ingress-nginx's Helm chart writes them
        CaravanOptions options = parse("/nginx-ingress-controller", "--publish-service=ingress-nginx/ingress-nginx-controller",
                "--v=5", "--logtostderr", "--maxmind-edition-ids=GeoLite2-City",
                "--election-id=ingress-nginx-leader", "--controller-class=k8s.io/ingress-nginx", "--ingress-class=nginx",
                "--validating-webhook=:8443", "--validating-webhook-certificate=/usr/local/certificates/cert",
                "--validating-webhook-key=/usr/local/certificates/key", "--enable-metrics=false",
                "--election-ttl=1m30s", "--healthz-port", "10255", "--enable-ssl-chain-completion", "--profiling=false");
        // ingress-nginx's webhook registration would call Caravan's with another path and CA: not taken, warned
        assertThat(options.webhookPort()).isZero();
        assertThat(options.ineffective()).anyMatch(warning -> warning.startsWith(
                "ingress-nginx's --validating-webhook=:8443 is not supported: Caravan's admission webhook is"
                        + " --webhook-port"));
        assertThat(options.metrics()).isFalse();
        assertThat(options.electionLeaseDuration()).isEqualTo(Duration.ofSeconds(90));
        assertThat(options.adminPort()).isEqualTo(10255);
        assertThat(options.logLevel()).isEqualTo("DEBUG");
        assertThat(parse("--v=2").logLevel()).isEqualTo("INFO");
        assertThat(parse("--maxmind-license-key=abc").ineffective()).anyMatch(warning -> warning.contains("GeoIP"));
        // standalone, what only a cluster has is said to do nothing
        assertThat(parse("--manifests", "examples", "--election-ttl=30s", "--publish-service=a/b").ineffective())
                .contains("--publish-service, --election-lease-duration do nothing with --manifests: there is no"
                        + " Ingress status to write and no leader to elect");
        assertThat(options.ingressNginxNotes()).contains("ingress-nginx's --healthz-port=10255 is taken as"
                + " --admin-port=10255").anyMatch(note -> note.startsWith("ingress-nginx's --logtostderr is not needed"));
        assertThat(options.ineffective()).anyMatch(warning -> warning.startsWith(
                "ingress-nginx's --enable-ssl-chain-completion=true is not supported"));
        // Caravan's own flag wins over ingress-nginx's of the same meaning, whatever their order
        assertThat(CaravanOptions.parse(new String[] {"--healthz-port=10255"}, new Properties(),
                Map.of("CARAVAN_ADMIN_PORT", "10300")).adminPort()).isEqualTo(10300);
        assertThat(parse("--election-ttl=0s").electionLeaseDuration()).as("none: its 30 s").isEqualTo(Duration.ofSeconds(30));
        assertThat(parse("-v=5").logLevel()).isEqualTo("DEBUG");
        assertThat(parse("--disable-leader-election=0").ineffective()).isEmpty();
        assertThat(parse("--election-ttl=500ms").electionLeaseDuration()).isEqualTo(Duration.ofSeconds(1));
        assertThatThrownBy(() -> parse("--election-ttl=soon")).hasMessage(
                "--election-ttl: 'soon' is not a duration (30s, 1m30s)");
        assertThatThrownBy(() -> parse("--validating-webhook")).hasMessage("--validating-webhook needs a value");
        assertThatThrownBy(() -> parse("--no-such-flag")).hasMessage("unknown option --no-such-flag (see --help)");
    }

    @Test
    void ingressNginxsConfigMapGivesTheFlagsNotGivenOtherwise() throws Exception {
        CaravanOptions given = CaravanOptions.parse(new String[] {"--configmap", "ingress-nginx/controller",
            "--proxy-connect-timeout", "7"}, new Properties(), Map.of("CARAVAN_PROXY_READ_TIMEOUT", "30"));
        java.util.List<String> said = new java.util.ArrayList<>();
        CaravanOptions read = given.withIngressNginxConfigMap(Map.of("proxy-connect-timeout", "3",
                "proxy-read-timeout", "90", "proxy-send-timeout", "45", "use-gzip", "true"),
                (warn, sentence) -> said.add((warn ? "WARN " : "") + sentence));
        assertThat(read.configMap()).hasToString("ingress-nginx/controller");
        // the command line and the environment win; the rest comes from the ConfigMap
        assertThat(read.proxyConnectTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(read.proxyReadTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(read.annotationDefaults()).containsEntry("proxy-send-timeout", "45");
        // one that keeps clients out and cannot be used stops the start, rather than let everyone in
        assertThatThrownBy(() -> given.withIngressNginxConfigMap(Map.of("whitelist-source-range", "10.0.0.0/33"),
                (warn, sentence) -> { })).isInstanceOf(UsageException.class).hasMessageContaining("keeps clients out");
        // each such key is named, not the first alone
        assertThatThrownBy(() -> given.withIngressNginxConfigMap(Map.of("whitelist-source-range", "10.0.0.0/33",
                "block-cidrs", "nope"), (warn, sentence) -> { })).isInstanceOf(UsageException.class)
                .hasMessageContaining("whitelist-source-range").hasMessageContaining("block-cidrs")
                .hasMessageContaining("they keep clients out");
        assertThat(said).contains("ConfigMap ingress-nginx/controller: proxy-connect-timeout is left:"
                + " --proxy-connect-timeout is given otherwise (a flag, ingress-nginx's flag of the same meaning, a system"
                + " property or the environment)")
                .anyMatch(line -> line.startsWith("WARN ConfigMap ingress-nginx/controller: use-gzip: not supported"));
    }

    @Test
    void loadBalancersAreBelievedWhereverTheyAreUnlessToldWhere() throws Exception {
        RealIpSettings all = parse("--manifests", "examples", "--use-proxy-protocol").realIp();
        assertThat(all.proxyProtocol()).isTrue();
        assertThat(all.proxyProtocolTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(all.trusts(new InetSocketAddress("192.0.2.1", 1))).isTrue();
        // as ingress-nginx: IPv4 peers only, unless told
        assertThat(all.trusts(new InetSocketAddress("2001:db8::1", 1))).isFalse();
        RealIpSettings some = parse("--manifests", "examples", "--use-forwarded-headers",
                "--proxy-real-ip-cidr", "10.0.0.0/8, 192.0.2.7").realIp();
        assertThat(some.trusts(new InetSocketAddress("10.1.2.3", 1))).isTrue();
        assertThat(some.trusts(new InetSocketAddress("192.0.2.7", 1))).isTrue();
        assertThat(some.trusts(new InetSocketAddress("192.0.2.8", 1))).isFalse();
        assertThat(some.realIpHeader()).isTrue();
        assertThat(some.forwardedHeaders()).isTrue();
        assertThat(some.computeFullForwardedFor()).isFalse();
        // enable-real-ip: the client from the header, nothing else; compute-full-forwarded-for only with forwarded headers
        RealIpSettings realIpOnly = parse("--manifests", "examples", "--enable-real-ip", "--forwarded-for-header",
                "CF-Connecting-IP", "--compute-full-forwarded-for").realIp();
        assertThat(realIpOnly.realIpHeader()).isTrue();
        assertThat(realIpOnly.forwardedForHeader()).isEqualTo("CF-Connecting-IP");
        assertThat(realIpOnly.forwardedHeaders()).isFalse();
        assertThat(realIpOnly.computeFullForwardedFor()).isFalse();
        assertThat(parse("--manifests", "examples", "--enable-real-ip", "--forwarded-for-header", "CF-Connecting-IP",
                "--compute-full-forwarded-for").ineffective()).containsExactly(
                        "--compute-full-forwarded-for does nothing without --use-forwarded-headers");
        assertThat(parse("--manifests", "examples", "--use-proxy-protocol", "--enable-real-ip").ineffective())
                .singleElement().asString().startsWith("--enable-real-ip does nothing with --use-proxy-protocol");
        assertThat(parse("--manifests", "examples", "--use-proxy-protocol", "--use-forwarded-headers",
                "--compute-full-forwarded-for").ineffective()).isEmpty();
        assertThat(parse("--kubeconfig", "pom.xml", "--watch-namespace", "apps", "--add-headers", "ingress/security",
                "--proxy-set-headers", "apps/upstream").ineffective()).containsExactly("ConfigMap ingress/security is"
                        + " outside --watch-namespace apps: Caravan does not see it, and sets none of its headers");
        assertThatThrownBy(() -> parse("--proxy-real-ip-cidr", "10.0.0.0/33"))
                .hasMessage("--proxy-real-ip-cidr: has '10.0.0.0/33', which is not an IP address or CIDR");
        assertThatThrownBy(() -> parse("--proxy-real-ip-cidr", ","))
                .hasMessage("--proxy-real-ip-cidr: names no network");
        assertThatThrownBy(() -> parse("--block-user-agents", "~*[bad"))
                .hasMessageStartingWith("--block-user-agents: '~*[bad' is not a regular expression");
        assertThat(parse("--manifests", "examples").requestBlocks()).isNull();
        assertThat(parse("--manifests", "examples").statusCodes()).isEqualTo(new StatusCodes(503, 503, 308, Set.of()));
        assertThat(parse("--manifests", "examples", "--custom-http-errors", "404, 503").statusCodes().customHttpErrors())
                .containsExactlyInAnyOrder(404, 503);
        assertThat(parse("--manifests", "examples", "--ssl-redirect", "false", "--load-balance", "ewma")
                .annotationDefaults()).isEqualTo(Map.of("ssl-redirect", "false", "load-balance", "ewma"));
        assertThatThrownBy(() -> parse("--load-balance", "fastest")).hasMessageStartingWith("--load-balance: ");
        assertThatThrownBy(() -> parse("--whitelist-source-range", "10.0.0.0/33")).hasMessageStartingWith(
                "--whitelist-source-range: ");
        assertThatThrownBy(() -> parse("--custom-http-errors", "404,302")).hasMessage(
                "--custom-http-errors: '302' is not an error status (400-599)");
        assertThatThrownBy(() -> parse("--limit-req-status-code", "200"))
                .hasMessage("--limit-req-status-code: '200' is not an error status (400-599)");
        assertThatThrownBy(() -> parse("--http-redirect-code", "303"))
                .hasMessage("--http-redirect-code: '303' is not 301, 302, 307 or 308");
        assertThatThrownBy(() -> parse("--forwarded-for-header", "X Forwarded"))
                .hasMessage("--forwarded-for-header: 'X Forwarded' is not a header name");
    }

    @Test
    void flagsTakeSpaceOrEqualsAndBooleanFlagsStandAlone() throws Exception {
        CaravanOptions options = parse("--manifests=examples", "--http-port", "9090", "--watch-ingress-without-class",
                "--default-backend-service", "ops/fallback", "--event-loops", "3");
        assertThat(options.httpPort()).isEqualTo(9090);
        assertThat(options.eventLoops()).isEqualTo(3);
        assertThat(options.watchIngressWithoutClass()).isTrue();
        assertThat(options.defaultBackendService().toString()).isEqualTo("ops/fallback");
    }

    @Test
    void resolverTakesServersWithOrWithoutPortsAndRefusesNames() throws Exception {
        assertThat(parse("--manifests", "examples").resolver()).isEmpty();
        assertThat(parse("--manifests", "examples", "--resolver", "10.96.0.10, 10.0.0.2:5353 [fd00::a]:53 fd00::b")
                .resolver()).containsExactly(new InetSocketAddress("10.96.0.10", 53),
                        new InetSocketAddress("10.0.0.2", 5353), new InetSocketAddress("fd00::a", 53),
                        new InetSocketAddress("fd00::b", 53));
        assertThatThrownBy(() -> parse("--resolver", "dns.example"))
                .hasMessage("--resolver: 'dns.example' is not an IP address");
        assertThatThrownBy(() -> parse("--resolver", "10.0.0.2:0")).hasMessage("--resolver: '10.0.0.2:0' has no valid port");
        assertThatThrownBy(() -> parse("--resolver", "[fd00::a")).hasMessage("--resolver: '[fd00::a' is not an address");
        assertThat(parse("--manifests", "examples", "--disable-svc-external-name").disableSvcExternalName()).isTrue();
        assertThatThrownBy(() -> parse("--annotations-prefix", "internal.example.com/"))
                .hasMessageStartingWith("--annotations-prefix: 'internal.example.com/' is not a DNS name");
        assertThatThrownBy(() -> parse("--watch-namespace-selector", "team in (a"))
                .hasMessage("--watch-namespace-selector: 'team in (a' is not a label selector requirement");
        assertThat(parse("--manifests", "examples", "--watch-namespace-selector", "team=a").ineffective())
                .contains("--watch-namespace-selector does nothing with --manifests: the folder's Ingresses are served");
        assertThat(parse("--manifests", "examples", "--disable-svc-external-name", "--resolver", "10.96.0.10")
                .ineffective()).containsExactly("--resolver does nothing with --disable-svc-external-name: no name is"
                        + " looked up");
    }

    @Test
    void commandLineWinsOverPropertiesWhichWinOverEnvironment() throws Exception {
        Properties properties = new Properties();
        properties.setProperty("caravan.http-port", "7001");
        Map<String, String> environment = Map.of("CARAVAN_HTTP_PORT", "7002", "CARAVAN_ADMIN_PORT", "7003");
        CaravanOptions options = CaravanOptions.parse(new String[] {"--manifests", "x"}, properties, environment);
        assertThat(options.httpPort()).isEqualTo(7001);
        assertThat(options.adminPort()).isEqualTo(7003);
        options = CaravanOptions.parse(new String[] {"--http-port", "7000"}, properties, environment);
        assertThat(options.httpPort()).isEqualTo(7000);
    }

    @Test
    void badInputIsOneClearSentence() {
        assertThatThrownBy(() -> parse("--bogus")).hasMessage("unknown option --bogus (see --help)");
        assertThatThrownBy(() -> parse("--http-port", "http")).hasMessage("--http-port: 'http' is not a whole number");
        assertThatThrownBy(() -> parse("--http-port", "70000")).hasMessage("--http-port: '70000' is not a port (1-65535)");
        assertThatThrownBy(() -> parse("--default-backend-service", "fallback"))
                .hasMessage("--default-backend-service: expected NAMESPACE/NAME, got 'fallback'");
        assertThatThrownBy(() -> parse("--http-port")).hasMessage("--http-port needs a value");
        assertThatThrownBy(() -> parse("--global-allowed-response-headers", "X-Frame-Options,Transfer-Encoding"))
                .hasMessage("--global-allowed-response-headers: 'Transfer-Encoding' frames the response: no Ingress"
                        + " may set it");
        assertThatThrownBy(() -> parse("--global-allowed-response-headers", "X/Frame"))
                .hasMessageContaining("is not a header name");
        assertThatThrownBy(() -> parse("examples")).hasMessage("unexpected argument 'examples' (see --help)");
        assertThatThrownBy(() -> CaravanOptions.parse(new String[0], new Properties(), Map.of("CARAVAN_ADMIN_PORT", "x")))
                .hasMessage("CARAVAN_ADMIN_PORT: 'x' is not a whole number");
        assertThatThrownBy(() -> parse("--ssl-protocols=")).hasMessage("--ssl-protocols: names no TLS version");
        assertThatThrownBy(() -> parse("--ssl-protocols", "TLSv1.1")).hasMessage("--ssl-protocols: 'TLSv1.1' is not TLSv1.2 or TLSv1.3");
        assertThatThrownBy(() -> parse("--ssl-ciphers=,")).hasMessage("--ssl-ciphers: names no cipher suite");
        assertThatThrownBy(() -> parse("--ssl-ciphers", "RC4-MD5")).hasMessageStartingWith("--ssl-ciphers: 'RC4-MD5' is not");
        assertThatThrownBy(() -> parse("--access-log-format", "xml")).hasMessage("--access-log-format: 'xml' is not json or combined");
        assertThatThrownBy(() -> parse("--event-loops", "-1")).hasMessage("--event-loops: '-1' is negative");
        assertThatThrownBy(() -> parse("--log-level", "loud")).hasMessageStartingWith("--log-level: 'loud' is not");
        assertThatThrownBy(() -> parse("--log-format-upstream", "$remote_addr $geoip_country_code")).hasMessage(
                "--log-format-upstream: has $geoip_country_code, which is not a variable Caravan's access log fills in");
    }

    @Test
    void globalAuthFlagsAreTheAuthAnnotationsOfGlobalAuthUrl() throws Exception {
        assertThat(parse("--manifests", "examples", "--global-auth-url", "http://auth.test/check",
                "--global-auth-response-headers", "X-User").globalAuth())
                .isEqualTo(Map.of("auth-url", "http://auth.test/check", "auth-response-headers", "X-User"));
        assertThat(parse("--manifests", "examples", "--global-auth-signin", "https://login.test/").globalAuth()).isEmpty();
        assertThat(parse("--manifests", "examples", "--global-auth-signin", "https://login.test/").ineffective())
                .containsExactly("the --global-auth-* flags do nothing without --global-auth-url");
        assertThatThrownBy(() -> parse("--global-auth-url", "ftp://auth.test/")).hasMessageStartingWith("--global-auth-url: ");
        assertThatThrownBy(() -> parse("--no-auth-locations", "acme")).hasMessage("--no-auth-locations: 'acme' is not a path");
        assertThat(parse("--manifests", "examples").noAuthLocations()).containsExactly("/.well-known/acme-challenge");
    }

    @Test
    void logFormatEscapesAreSaidToDoNothingWithoutATemplate() throws Exception {
        assertThat(parse("--manifests", "examples", "--log-format-escape-json").ineffective()).containsExactly(
                "--log-format-escape-json and --log-format-escape-none do nothing without --log-format-upstream");
        assertThat(parse("--manifests", "examples", "--log-format-escape-json").logFormat()).isNull();
        assertThat(parse("--manifests", "examples", "--log-format-upstream", "$status").logFormat()).hasToString("$status");
    }

    @Test
    void aCipherSuiteTheTlsLibraryLeavesOutIsRefusedNotDroppedToItsDefaults() {
        // BoringSSL has no finite-field DH: a list of those alone would leave the library's defaults, CBC among them
        org.junit.jupiter.api.Assumptions.assumeTrue(io.netty.handler.ssl.OpenSsl.isAvailable());
        assertThatThrownBy(() -> parse("--ssl-ciphers", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256")).hasMessage(
                "--ssl-ciphers: 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256' is not a cipher suite Caravan's TLS library offers"
                        + " (IANA names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)");
        // OpenSSL's name of a suite it has: the context's filter would drop it all the same
        assertThatThrownBy(() -> parse("--ssl-ciphers", "ECDHE-RSA-AES128-GCM-SHA256"))
                .hasMessageStartingWith("--ssl-ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' is not a cipher suite");
    }

    @Test
    void aCipherListForTls12KeepsTls13() throws Exception {
        dev.caravan.tls.TlsSettings settings = parse("--ssl-ciphers", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256").tlsSettings();
        javax.net.ssl.SSLEngine engine = dev.caravan.tls.GeneratedCertificate.create(settings).contexts().plain().join()
                .newEngine(io.netty.buffer.ByteBufAllocator.DEFAULT);
        org.assertj.core.api.Assertions.assertThat(engine.getEnabledCipherSuites())
                .contains("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384")
                .doesNotContain("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
        // Netty's OpenSSL engine always lists the SSLv2Hello pseudo-protocol (a hello format, not SSL 2.0,
        // which BoringSSL cannot speak); the protocol versions are what is configured
        org.assertj.core.api.Assertions.assertThat(engine.getEnabledProtocols()).filteredOn(p -> !p.equals("SSLv2Hello"))
                .containsExactlyInAnyOrder("TLSv1.2", "TLSv1.3");
    }

    @Test
    void runningNeedsAnExistingManifestFolderOrKubeconfig() throws Exception {
        assertThat(parse().requireRunnable().standalone()).isFalse();
        assertThatThrownBy(() -> parse("--kubeconfig", "no/such/file").requireRunnable())
                .hasMessage("--kubeconfig: no/such/file is not a file");
        assertThatThrownBy(() -> parse("--manifests", "src", "--apiserver-host", "http://127.0.0.1:1").requireRunnable())
                .hasMessage("--manifests runs without a cluster; drop --kubeconfig and --apiserver-host");
        assertThatThrownBy(() -> parse("--manifests", "no/such/dir").requireRunnable())
                .hasMessage("--manifests: no/such/dir is not a directory");
        assertThat(parse("--manifests", "src", "--event-loops", "1024").requireRunnable().eventLoops()).isEqualTo(1024);
        assertThatThrownBy(() -> parse("--manifests", "src", "--event-loops", "100000").requireRunnable())
                .hasMessage("--event-loops: 100000 is more than 1024");
    }

    @Test
    void helpListsEveryFlagWithItsDefault() {
        String help = CaravanOptions.helpText();
        for (Option option : Option.values()) {
            assertThat(help).contains("--" + option.flag());
        }
        assertThat(help).contains("(default: 8080)", "(default: 10254)", "(default: caravan)",
                "(default: caravan.dev/ingress-controller)");
    }
}

package dev.caravan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.cli.IngressNginxConfigMap.Setting;
import dev.caravan.cli.IngressNginxConfigMap.Verdict;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IngressNginxConfigMapTest {

    private static Setting one(String key, String value) {
        List<Setting> settings = IngressNginxConfigMap.translate(Map.of(key, value));
        assertThat(settings).hasSize(1);
        return settings.get(0);
    }

    @Test
    void keysWithAFlagBecomeItInCaravansForm() {
        assertThat(one("use-forwarded-headers", "True")).extracting(Setting::verdict, Setting::flagValue)
                .containsExactly(Verdict.FLAG, "true");
        assertThat(one("proxy-protocol-header-timeout", "10s").flagValue()).isEqualTo("10");
        assertThat(one("worker-shutdown-timeout", "4m")).extracting(Setting::option, Setting::flagValue)
                .containsExactly(Option.SHUTDOWN_TIMEOUT, "240");
        assertThat(one("keep-alive", "30").option()).isEqualTo(Option.KEEP_ALIVE_TIMEOUT);
        assertThat(one("worker-processes", "auto")).extracting(Setting::verdict, Setting::why)
                .containsExactly(Verdict.SAME, "Caravan's default --event-loops 0");
        assertThat(one("worker-processes", "2").flagValue()).isEqualTo("2");
        assertThat(one("disable-access-log", "true")).extracting(Setting::option, Setting::flagValue)
                .containsExactly(Option.ACCESS_LOG, "false");
        assertThat(one("error-log-level", "notice").verdict()).isEqualTo(Verdict.SAME);
        assertThat(one("error-log-level", "crit").flagValue()).isEqualTo("error");
        assertThat(one("log-format-upstream", "$remote_addr $status ")).extracting(Setting::option, Setting::flagValue)
                .containsExactly(Option.LOG_FORMAT_UPSTREAM, "$remote_addr $status");
        assertThat(one("log-format-upstream", "$geoip_city").verdict()).isEqualTo(Verdict.INVALID);
        // the keys that are annotations' defaults: a flag unless the value is what Caravan's annotation is anyway
        assertThat(one("ssl-redirect", "false")).extracting(Setting::option, Setting::flagValue)
                .containsExactly(Option.SSL_REDIRECT, "false");
        assertThat(one("ssl-redirect", "true").verdict()).isEqualTo(Verdict.SAME);
        assertThat(one("whitelist-source-range", "").verdict()).isEqualTo(Verdict.SAME);
        assertThat(one("load-balance", "fastest").verdict()).isEqualTo(Verdict.INVALID);
        assertThat(one("use-http2", "false")).extracting(Setting::option, Setting::flagValue)
                .containsExactly(Option.HTTP2, "false");
        // OpenSSL's names, as ingress-nginx takes them, become the IANA names Java and --ssl-ciphers take
        assertThat(one("ssl-ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384").flagValue())
                .isEqualTo("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
        // suites Caravan's TLS library does not offer are left out, not the operator's whole list
        Setting ciphers = one("ssl-ciphers",
                "DHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES128-GCM-SHA256");
        assertThat(ciphers.flagValue()).isEqualTo("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        // and said
        assertThat(ciphers.why()).isEqualTo("left out, as Caravan's TLS library does not offer them:"
                + " DHE-RSA-AES128-GCM-SHA256, ECDHE-RSA-AES128-SHA256 (clients that have no other suite cannot connect)");
        assertThat(one("ssl-ciphers", "ECDHE-RSA-AES128-GCM-SHA256").why()).isNull();
        // ingress-nginx's backend defaults, which its annotations take: annotations' defaults here too
        assertThat(one("proxy-buffer-size", "128k")).extracting(Setting::option, Setting::flagValue)
                .containsExactly(Option.PROXY_BUFFER_SIZE, "128k");
        assertThat(one("preserve-trailing-slash", "true")).extracting(Setting::option, Setting::flagValue)
                .containsExactly(Option.PRESERVE_TRAILING_SLASH, "true");
        assertThat(one("proxy-redirect-from", "off").verdict()).isEqualTo(Verdict.SAME);
        assertThat(one("allow-backend-server-header", "true")).extracting(Setting::option, Setting::flagValue)
                .containsExactly(Option.ALLOW_BACKEND_SERVER_HEADER, "true");
    }

    @Test
    void aValueCaravanCannotTakeIsInvalidAndSaysWhy() {
        assertThat(one("ssl-protocols", "TLSv1 TLSv1.2")).extracting(Setting::verdict, Setting::why)
                .containsExactly(Verdict.INVALID, "TLSv1 is not offered by Caravan (TLSv1.2 and TLSv1.3 only): its"
                        + " clients could not connect");
        assertThat(one("ssl-ciphers", "HIGH:!aNULL").why()).contains("'HIGH' is no cipher suite");
        assertThat(one("proxy-body-size", "lots").verdict()).isEqualTo(Verdict.INVALID);
        assertThat(one("use-proxy-protocol", "yes").why()).isEqualTo("'yes' is not true or false");
        assertThat(one("limit-req-status-code", "200").why()).contains("not an error status");
        assertThat(one("keep-alive", "1500ms").why()).contains("whole number of seconds");
    }

    @Test
    void keysWithoutAFlagAreWhatCaravanDoesNotNeededNotSupportedOrRefused() {
        assertThat(one("use-gzip", "false").verdict()).isEqualTo(Verdict.SAME);
        // Go's booleans, as ingress-nginx reads them
        assertThat(one("use-gzip", "False").verdict()).isEqualTo(Verdict.SAME);
        assertThat(one("enable-brotli", "0").verdict()).isEqualTo(Verdict.SAME);
        assertThat(one("proxy-max-temp-file-size", "0").verdict()).isEqualTo(Verdict.NOT_NEEDED);
        assertThat(one("use-gzip", "true")).extracting(Setting::verdict, Setting::why)
                .containsExactly(Verdict.NOT_SUPPORTED, "Caravan does not compress responses");
        assertThat(one("proxy-buffering", "on").verdict()).isEqualTo(Verdict.NOT_SUPPORTED);
        assertThat(one("map-hash-bucket-size", "256").verdict()).isEqualTo(Verdict.NOT_NEEDED);
        assertThat(one("server-snippet", "").verdict()).isEqualTo(Verdict.SAME);
        assertThat(one("server-snippet", "return 403;").verdict()).isEqualTo(Verdict.REFUSED);
        assertThat(one("not-a-key", "1").verdict()).isEqualTo(Verdict.UNKNOWN);
        assertThat(List.of(Verdict.NOT_SUPPORTED, Verdict.REFUSED, Verdict.INVALID))
                .noneMatch(Verdict::asWritten);
        assertThat(List.of(Verdict.FLAG, Verdict.SAME, Verdict.NOT_NEEDED, Verdict.UNKNOWN)).allMatch(Verdict::asWritten);
    }

    @Test
    void theFlagsAreGivenAsAShellAndTheEnvironmentTakeThem() {
        List<Setting> settings = IngressNginxConfigMap.translate(Map.of("use-proxy-protocol", "true", "hsts", "false",
                "block-user-agents", "~*bad bot,it's", "proxy-body-size", "8m", "use-gzip", "true"));
        assertThat(IngressNginxConfigMap.flags(settings)).containsExactly("--block-user-agents='~*bad bot,it'\\''s'",
                "--hsts=false", "--proxy-body-size=8m", "--use-proxy-protocol");
        assertThat(IngressNginxConfigMap.environment(settings)).containsExactly(
                "CARAVAN_BLOCK_USER_AGENTS: \"~*bad bot,it's\"", "CARAVAN_HSTS: \"false\"",
                "CARAVAN_PROXY_BODY_SIZE: \"8m\"", "CARAVAN_USE_PROXY_PROTOCOL: \"true\"");
    }

    /** The keys of ingress-nginx's controller ConfigMap (its configmap.md and config.go, 2026). */
    private static final String INGRESS_NGINX_KEYS = """
            access-log-params access-log-path add-headers allow-backend-server-header
            allow-cross-namespace-resources allow-snippet-annotations annotation-value-word-blocklist
            annotations-risk-level bind-address bind-address-ipv4 bind-address-ipv6 block-cidrs block-referers
            block-user-agents brotli-level brotli-min-length brotli-types client-body-buffer-size
            client-body-timeout client-header-buffer-size client-header-timeout compute-full-forwarded-for
            custom-http-errors debug-connections default-type denylist-source-range disable-access-log
            disable-http-access-log disable-ipv6 disable-ipv6-dns disable-proxy-intercept-errors
            disable-stream-access-log enable-access-log-for-default-backend enable-aio-write
            enable-auth-access-log enable-brotli enable-modsecurity enable-multi-accept enable-ocsp
            enable-opentelemetry enable-owasp-modsecurity-crs enable-real-ip enable-serial-reloads
            enable-syslog enable-underscores-in-headers error-log-level error-log-path force-ssl-redirect
            forwarded-for-header forwarded-for-proxy-protocol-header forwarded-host-header generate-request-id
            geoip2-autoreload-in-minutes global-allowed-response-headers global-auth-cache-duration
            global-auth-cache-key global-auth-method global-auth-request-redirect global-auth-response-headers
            global-auth-signin global-auth-signin-redirect-param global-auth-snippet global-auth-url
            grpc-buffer-size-kb gzip-disable gzip-level gzip-min-length gzip-types hide-headers hsts
            hsts-include-subdomains hsts-max-age hsts-preload http-access-log-path http-redirect-code
            http-snippet http2-max-concurrent-streams http2-max-field-size http2-max-header-size
            http2-max-requests ignore-invalid-headers jaeger-baggage-header jaeger-collector-host
            jaeger-collector-port jaeger-debug-header jaeger-endpoint jaeger-propagation-format
            jaeger-sampler-host jaeger-sampler-param jaeger-sampler-port jaeger-sampler-type
            jaeger-service-name jaeger-trace-baggage-header-prefix jaeger-trace-context-header-name keep-alive
            keep-alive-requests large-client-header-buffers limit-conn-status-code limit-conn-zone-variable
            limit-rate limit-rate-after limit-req-status-code load-balance location-snippet
            log-format-escape-json log-format-escape-none log-format-stream log-format-upstream
            lua-shared-dicts main-snippet map-hash-bucket-size max-worker-connections max-worker-open-files
            modsecurity-snippet nginx-status-ipv4-whitelist nginx-status-ipv6-whitelist no-auth-locations
            no-tls-redirect-locations opentelemetry-config opentelemetry-operation-name
            opentelemetry-trust-incoming-span otel-max-export-batch-size otel-max-queuesize otel-sampler
            otel-sampler-parent-based otel-sampler-ratio otel-schedule-delay-millis otel-service-name
            otlp-collector-host otlp-collector-port proxy-add-original-uri-header proxy-body-size
            proxy-buffer-size proxy-buffering proxy-buffers-number proxy-busy-buffers-size
            proxy-connect-timeout proxy-cookie-domain proxy-cookie-path proxy-headers-hash-bucket-size
            proxy-headers-hash-max-size proxy-http-version proxy-next-upstream proxy-next-upstream-timeout
            proxy-next-upstream-tries proxy-protocol-header-timeout proxy-read-timeout proxy-real-ip-cidr
            proxy-redirect-from proxy-request-buffering proxy-send-timeout proxy-set-headers
            proxy-ssl-location-only proxy-stream-next-upstream proxy-stream-next-upstream-timeout
            proxy-stream-next-upstream-tries proxy-stream-responses proxy-stream-timeout relative-redirects
            retry-non-idempotent reuse-port server-name-hash-bucket-size server-name-hash-max-size
            server-snippet server-tokens service-upstream skip-access-log-urls ssl-buffer-size ssl-ciphers
            ssl-dh-param ssl-early-data ssl-ecdh-curve ssl-protocols ssl-redirect ssl-reject-handshake
            ssl-session-cache ssl-session-cache-size ssl-session-ticket-key ssl-session-tickets
            ssl-session-timeout stream-access-log-path stream-snippet strict-validate-path-type syslog-host
            syslog-port upstream-keepalive-connections upstream-keepalive-requests upstream-keepalive-time
            upstream-keepalive-timeout use-forwarded-headers use-geoip use-geoip2 use-gzip use-http2
            use-proxy-protocol variables-hash-bucket-size variables-hash-max-size whitelist-source-range
            worker-cpu-affinity worker-processes worker-shutdown-timeout
            """;

    @Test
    void everyKeyOfIngressNginxHasAVerdictOfItsOwn() {
        for (String key : INGRESS_NGINX_KEYS.split("\\s+")) {
            if (!key.isEmpty()) {
                assertThat(one(key, "x").verdict()).as(key).isNotEqualTo(Verdict.UNKNOWN);
            }
        }
    }
}

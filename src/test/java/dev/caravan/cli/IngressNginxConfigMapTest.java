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
}

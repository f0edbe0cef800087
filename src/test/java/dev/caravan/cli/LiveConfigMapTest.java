package dev.caravan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.compile.ControllerSettings;
import dev.caravan.routing.ObjectRef;
import dev.caravan.state.Change;
import dev.caravan.state.ClusterState;
import dev.caravan.testing.LogCapture;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * ingress-nginx's controller ConfigMap after start: its keys of every Ingress's annotations are compiled with as they
 * change; the others are told to take a restart.
 */
class LiveConfigMapTest {

    private static final ObjectRef REF = ObjectRef.parse("ingress-nginx/controller");

    @Test
    void aKeyOfEveryIngressesAnnotationsIsInForceAtOnceAndAKeyDeletedGoesBackToItsFlag() throws Exception {
        LiveConfigMap live = new LiveConfigMap(started(Map.of("ssl-redirect", "false")));
        ControllerSettings atStart = live.current();
        assertThat(atStart.annotationDefaults()).containsEntry("ssl-redirect", "false");
        try (LogCapture log = new LogCapture(LiveConfigMap.class)) {
            // not in the namespaces watched: what was read at start stays
            assertThat(live.apply(ClusterState.EMPTY)).isSameAs(atStart);
            // the version read at start: nothing changes, nothing is compiled again
            assertThat(live.apply(state(Map.of("ssl-redirect", "false")))).isSameAs(atStart);
            assertThat(log.lines()).isEmpty();

            ControllerSettings changed = live.apply(state(Map.of("ssl-redirect", "false",
                    "whitelist-source-range", "10.0.0.0/8", "global-auth-url", "http://auth.test/check")));
            assertThat(changed).isNotSameAs(atStart);
            assertThat(changed.annotationDefaults()).containsEntry("ssl-redirect", "false")
                    .containsEntry("whitelist-source-range", "10.0.0.0/8");
            assertThat(changed.globalAuth()).containsEntry("auth-url", "http://auth.test/check");
            assertThat(log.lines()).singleElement().asString().startsWith("INFO ConfigMap ingress-nginx/controller"
                    + " (--configmap) changed: ").contains("--whitelist-source-range=10.0.0.0/8",
                    "--global-auth-url=http://auth.test/check").doesNotContain("--ssl-redirect");
            // the same data again is the same settings: no compilation from scratch
            assertThat(live.apply(state(Map.of("ssl-redirect", "false", "whitelist-source-range", "10.0.0.0/8",
                    "global-auth-url", "http://auth.test/check")))).isSameAs(changed);

            // deleted, by mistake or out of the namespaces watched: the ranges and the auth it set stay, as in
            // ingress-nginx
            assertThat(live.apply(ClusterState.EMPTY)).isSameAs(changed);
            assertThat(live.apply(ClusterState.EMPTY)).isSameAs(changed);
            assertThat(log.lines()).hasSize(2).last().asString().startsWith("WARN ConfigMap ingress-nginx/controller"
                    + " (--configmap) deleted: the settings in force stay");
            // made again without them: they go
            ControllerSettings again = live.apply(state(Map.of("ssl-redirect", "false")));
            assertThat(again.annotationDefaults()).doesNotContainKey("whitelist-source-range");
            assertThat(again.globalAuth()).isEmpty();
            assertThat(live.current()).isSameAs(again);
        }
    }

    @Test
    void aKeyThatCannotBeUsedIsWarnedOfOnceWhenItComesAsAtStart() throws Exception {
        LiveConfigMap live = new LiveConfigMap(started(Map.of("use-gzip", "true")));
        try (LogCapture log = new LogCapture(LiveConfigMap.class)) {
            // warned of at start already
            live.apply(state(Map.of("use-gzip", "true", "ssl-redirect", "false")));
            assertThat(log.lines()).noneMatch(line -> line.contains("use-gzip"));
            live.apply(state(Map.of("use-gzip", "true", "load-balance", "ewma")));
            live.apply(state(Map.of("use-gzip", "true", "load-balance", "fastest")));
            ControllerSettings typo = live.apply(state(Map.of("use-gzip", "true", "load-balance", "fastest",
                    "ssl-redirect", "true")));
            // warned of once, and the value in force kept, said once
            assertThat(log.lines()).filteredOn(line -> line.contains("fastest") || line.contains("kept"))
                    .containsExactly("WARN ConfigMap ingress-nginx/controller: load-balance: invalid: --load-balance:"
                            + " 'fastest' is not round_robin or ewma (use upstream-hash-by or affinity for the others)",
                    "INFO ConfigMap ingress-nginx/controller: load-balance is kept as in force until a restart, which"
                            + " leaves it out: --load-balance=ewma");
            assertThat(typo.annotationDefaults()).containsEntry("load-balance", "ewma");
        }
    }

    @Test
    void whatWidensWhoGetsInGoesBackToItsFlagOnAValueThatCannotBeUsed() throws Exception {
        LiveConfigMap live = new LiveConfigMap(started(Map.of("allow-cross-namespace-resources", "true")));
        assertThat(live.current().crossNamespaceSecrets()).isTrue();
        // not a Go boolean: left out, as at start, and so off
        assertThat(live.apply(state(Map.of("allow-cross-namespace-resources", "no"))).crossNamespaceSecrets())
                .isFalse();
    }

    @Test
    void aFlagGivenStaysAboveTheConfigMapAsAtStart() throws Exception {
        LiveConfigMap live = new LiveConfigMap(started(Map.of(), "--load-balance", "ewma"));
        ControllerSettings changed = live.apply(state(Map.of("load-balance", "round_robin", "limit-rate", "100")));
        assertThat(changed.annotationDefaults()).containsEntry("load-balance", "ewma").containsEntry("limit-rate", "100");
    }

    @Test
    void aKeyNamedOtherwiseThanItsFlagIsNamedBesideIt() throws Exception {
        LiveConfigMap live = new LiveConfigMap(started(Map.of()));
        try (LogCapture log = new LogCapture(LiveConfigMap.class)) {
            live.apply(state(Map.of("keep-alive", "30")));
            assertThat(log.lines()).singleElement().asString().contains("--keep-alive-timeout (keep-alive) is read at"
                    + " start");
        }
    }

    @Test
    void aKeyAFlagDecidesStopsNothingWhateverItsValue() throws Exception {
        // at start: a range that is no range would stop it, but the flag's is the one read
        LiveConfigMap live = new LiveConfigMap(started(Map.of("whitelist-source-range", "bogus"),
                "--whitelist-source-range", "127.0.0.0/8"));
        ControllerSettings changed = live.apply(state(Map.of("whitelist-source-range", "also bogus",
                "proxy-send-timeout", "15")));
        assertThat(changed.annotationDefaults()).containsEntry("whitelist-source-range", "127.0.0.0/8")
                .containsEntry("proxy-send-timeout", "15");
    }

    @Test
    void aKeyOfTheListenersIsToldToTakeARestartOncePerChangeAndItsUndoingToo() throws Exception {
        LiveConfigMap live = new LiveConfigMap(started(Map.of("client-header-timeout", "30")));
        ControllerSettings atStart = live.current();
        try (LogCapture log = new LogCapture(LiveConfigMap.class)) {
            assertThat(live.apply(state(Map.of("client-header-timeout", "120")))).isSameAs(atStart);
            assertThat(live.apply(state(Map.of("client-header-timeout", "120", "other-key-unknown", "x"))))
                    .isSameAs(atStart);
            assertThat(live.apply(state(Map.of("client-header-timeout", "30")))).isSameAs(atStart);
            assertThat(log.lines()).containsExactly("WARN ConfigMap ingress-nginx/controller (--configmap) changed:"
                    + " --client-header-timeout is read at start, and takes a restart to change (kubectl rollout"
                    + " restart)", "INFO ConfigMap ingress-nginx/controller (--configmap): its keys read at start are"
                    + " back to what they were");
        }
    }

    @Test
    void theBodySizeAndThePodsTimeoutsOfEveryIngressFollowTheConfigMapAndGoBackToTheFlagsValue() throws Exception {
        LiveConfigMap live = new LiveConfigMap(started(Map.of("proxy-body-size", "8m"), "--proxy-read-timeout", "90"));
        assertThat(live.current().annotationDefaults()).containsEntry("proxy-body-size", "8m")
                .containsEntry("proxy-read-timeout", "90").containsEntry("proxy-connect-timeout", "5");
        try (LogCapture log = new LogCapture(LiveConfigMap.class)) {
            ControllerSettings changed = live.apply(state(Map.of("proxy-body-size", "50m", "proxy-connect-timeout",
                    "2", "proxy-read-timeout", "10")));
            // a flag given stays above the ConfigMap, as at start
            assertThat(changed.annotationDefaults()).containsEntry("proxy-body-size", "50m")
                    .containsEntry("proxy-connect-timeout", "2").containsEntry("proxy-read-timeout", "90");
            assertThat(log.lines()).containsExactly("INFO ConfigMap ingress-nginx/controller: proxy-read-timeout is"
                    + " left: --proxy-read-timeout is given otherwise (a flag, ingress-nginx's flag of the same meaning,"
                    + " a system property or the environment)", "INFO ConfigMap ingress-nginx/controller (--configmap)"
                    + " changed: --proxy-connect-timeout=2, --proxy-body-size=50m in force from the next compilation"
                    + " (for the Ingresses' paths; the default backend keeps the body size and pod timeouts read at"
                    + " start)");
            // a typo keeps what is in force, rather than Caravan's default
            assertThat(live.apply(state(Map.of("proxy-body-size", "8mb"))).annotationDefaults())
                    .containsEntry("proxy-body-size", "50m").containsEntry("proxy-connect-timeout", "5");
            // taken out: Caravan's default, not the value read at start
            assertThat(live.apply(state(Map.of())).annotationDefaults()).containsEntry("proxy-body-size", "1m")
                    .containsEntry("proxy-connect-timeout", "5");
        }
    }

    @Test
    void aConfigMapWhoseRangeIsNoRangeIsNotAppliedAndWhatIsInForceStays() throws Exception {
        LiveConfigMap live = new LiveConfigMap(started(Map.of("whitelist-source-range", "10.0.0.0/8")));
        ControllerSettings atStart = live.current();
        try (LogCapture log = new LogCapture(LiveConfigMap.class)) {
            assertThat(live.apply(state(Map.of("whitelist-source-range", "10.0.0.0/88", "ssl-redirect", "false"))))
                    .isSameAs(atStart);
            assertThat(atStart.annotationDefaults()).containsEntry("whitelist-source-range", "10.0.0.0/8")
                    .doesNotContainKey("ssl-redirect");
            assertThat(log.lines()).singleElement().asString().startsWith("WARN Not applied: ConfigMap"
                    + " ingress-nginx/controller: whitelist-source-range").contains("the settings in force stay",
                    "would not start with it");
            // fixed: applied
            assertThat(live.apply(state(Map.of("whitelist-source-range", "10.0.0.0/16"))).annotationDefaults())
                    .containsEntry("whitelist-source-range", "10.0.0.0/16");
        }
    }

    @Test
    void oneCreatedAfterStartIsApplied() throws Exception {
        CaravanOptions options = CaravanOptions.parse(new String[] {"--configmap", REF.toString()}, new Properties(),
                Map.of());
        LiveConfigMap live = new LiveConfigMap(options);
        assertThat(live.apply(state(Map.of("force-ssl-redirect", "true"))).annotationDefaults())
                .containsEntry("force-ssl-redirect", "true");
    }

    private static CaravanOptions started(Map<String, String> data, String... flags) throws UsageException {
        String[] args = new String[flags.length + 2];
        args[0] = "--configmap";
        args[1] = REF.toString();
        System.arraycopy(flags, 0, args, 2, flags.length);
        return CaravanOptions.parse(args, new Properties(), Map.of()).withIngressNginxConfigMap(data, (warn, line) -> { });
    }

    private static ClusterState state(Map<String, String> data) {
        ConfigMap configMap = new ConfigMapBuilder().withNewMetadata().withNamespace(REF.namespace())
                .withName(REF.name()).endMetadata().withData(data).build();
        return ClusterState.EMPTY.with(List.of(Change.upsert(configMap)));
    }
}

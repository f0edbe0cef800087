package dev.caravan.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.compile.Compilation;
import dev.caravan.routing.ObjectRef;
import dev.caravan.state.Change;
import dev.caravan.state.ClusterState;
import dev.caravan.testing.LogCapture;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A change to ingress-nginx's controller ConfigMap after start is told once per version: it takes a restart. */
class ConfigMapChangesTest {

    private static final ObjectRef REF = ObjectRef.parse("ingress-nginx/controller");

    @Test
    void aChangeIsToldOnceAndSoIsItsUndoing() {
        Map<String, String> read = Map.of("proxy-body-size", "8m");
        ConfigMapChanges changes = new ConfigMapChanges(REF, read);
        try (LogCapture log = new LogCapture(ConfigMapChanges.class)) {
            // not in the namespaces watched: no news
            changes.compiled(ClusterState.EMPTY, Compilation.EMPTY);
            ClusterState same = ClusterState.EMPTY.with(List.of(Change.upsert(configMap(read))));
            changes.compiled(same, Compilation.EMPTY);
            assertThat(log.lines()).isEmpty();

            ClusterState changed = same.with(List.of(Change.upsert(configMap(Map.of("proxy-body-size", "16m")))));
            changes.compiled(changed, Compilation.EMPTY);
            changes.compiled(changed, Compilation.EMPTY);
            changes.compiled(same, Compilation.EMPTY);
            assertThat(log.lines()).containsExactly("WARN ConfigMap ingress-nginx/controller (--configmap) changed"
                    + " since start: its keys are read at start, restart Caravan to apply it (kubectl rollout restart)",
                    "INFO ConfigMap ingress-nginx/controller (--configmap) is back to what was read at start");
        }
    }

    @Test
    void oneCreatedAfterStartIsTold() {
        ConfigMapChanges changes = new ConfigMapChanges(REF, null);
        try (LogCapture log = new LogCapture(ConfigMapChanges.class)) {
            changes.compiled(ClusterState.EMPTY, Compilation.EMPTY);
            changes.compiled(ClusterState.EMPTY.with(List.of(Change.upsert(configMap(Map.of("hsts", "false"))))),
                    Compilation.EMPTY);
            assertThat(log.lines()).singleElement().asString().contains("was created since start");
        }
    }

    private static ConfigMap configMap(Map<String, String> data) {
        return new ConfigMapBuilder().withNewMetadata().withNamespace(REF.namespace()).withName(REF.name())
                .endMetadata().withData(data).build();
    }
}

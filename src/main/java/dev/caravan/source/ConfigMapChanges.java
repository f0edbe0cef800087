package dev.caravan.source;

import dev.caravan.compile.Compilation;
import dev.caravan.compile.CompilationListener;
import dev.caravan.compile.Problem;
import dev.caravan.routing.ObjectRef;
import dev.caravan.state.ClusterState;
import dev.caravan.state.ResourceKind;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells when ingress-nginx's controller ConfigMap ({@code --configmap}) differs from what was read at start: its keys
 * became flags then, and a change takes a restart, where ingress-nginx applied it. Said once per version of it.
 */
public final class ConfigMapChanges implements CompilationListener {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigMapChanges.class);

    private final ObjectRef ref;
    private final Map<String, String> read;
    private Map<String, String> told;
    /** Whether the state had it once: one out of the namespaces watched is never there, and no news. */
    private boolean seen;

    /** @param read its data as read at start, or {@code null} when it was not there */
    public ConfigMapChanges(ObjectRef ref, Map<String, String> read) {
        this.ref = ref;
        this.read = read;
        this.told = read;
    }

    @Override
    public List<Problem> compiled(ClusterState state, Compilation compilation) {
        ConfigMap now = state.get(ResourceKind.CONFIG_MAP, ref);
        seen |= now != null;
        if (!seen) {
            return List.of();
        }
        Map<String, String> data = now == null ? null : now.getData() == null ? Map.of() : now.getData();
        if (!Objects.equals(data, told)) {
            told = data;
            if (Objects.equals(data, read)) {
                LOG.info("ConfigMap {} (--configmap) is back to what was read at start", ref);
            } else {
                LOG.warn("ConfigMap {} (--configmap) {} since start: its keys are read at start, restart Caravan to"
                        + " apply it (kubectl rollout restart)", ref, data == null ? "was deleted"
                        : read == null ? "was created" : "changed");
            }
        }
        return List.of();
    }
}

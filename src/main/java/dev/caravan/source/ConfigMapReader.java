package dev.caravan.source;

import dev.caravan.routing.ObjectRef;
import dev.caravan.source.kubernetes.KubernetesClients;
import dev.caravan.state.ClusterState;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads one ConfigMap before anything else starts: ingress-nginx's controller ConfigMap ({@code --configmap}), whose
 * keys become flags. From the API server, or from the manifests folder when standalone.
 */
public final class ConfigMapReader {

    private ConfigMapReader() {
    }

    /**
     * The data of the ConfigMap among the folder's manifests, or {@code null} when none of them is it.
     *
     * @throws IOException when the folder cannot be listed
     */
    public static Map<String, String> fromFolder(Path folder, ObjectRef ref) throws IOException {
        List<Path> files;
        try (Stream<Path> entries = Files.list(folder)) {
            files = entries.filter(ManifestFolder::isManifest).sorted().toList();
        }
        ManifestParser parser = new ManifestParser();
        for (Path file : files) {
            for (HasMetadata object : parser.parse(Files.readString(file, StandardCharsets.UTF_8)).objects()) {
                if (object instanceof ConfigMap configMap && ClusterState.refOf(configMap).equals(ref)) {
                    return data(configMap);
                }
            }
        }
        return null;
    }

    /**
     * The data of the ConfigMap in the cluster, or {@code null} when there is no such ConfigMap.
     *
     * @throws io.fabric8.kubernetes.client.KubernetesClientException when it cannot be read (no rights, no API server)
     */
    public static Map<String, String> fromCluster(Path kubeconfig, String apiserverHost, ObjectRef ref)
            throws IOException {
        try (KubernetesClient client = KubernetesClients.createForOneCall(kubeconfig, apiserverHost)) {
            // listed by name, not got: the informers' list is all the RBAC grants on ConfigMaps
            List<ConfigMap> found = client.configMaps().inNamespace(ref.namespace())
                    .withField("metadata.name", ref.name()).list().getItems();
            return found.isEmpty() ? null : data(found.get(0));
        }
    }

    private static Map<String, String> data(ConfigMap configMap) {
        return configMap.getData() == null ? Map.of() : configMap.getData();
    }
}

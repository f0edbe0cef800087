package dev.caravan.source.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Kubernetes client Caravan and camel-kubernetes share: the pod's service account in a cluster
 * (fabric8's auto-configuration, which also honours {@code KUBECONFIG} outside one), a kubeconfig
 * file, or an API server URL.
 */
public final class KubernetesClients {

    private KubernetesClients() {
    }

    /**
     * @param kubeconfig    a kubeconfig file, or {@code null}
     * @param apiserverHost the API server URL, overriding the kubeconfig's, or {@code null}
     */
    public static KubernetesClient create(Path kubeconfig, String apiserverHost) throws IOException {
        Config config = kubeconfig != null
                ? Config.fromKubeconfig(Files.readString(kubeconfig, StandardCharsets.UTF_8))
                : Config.autoConfigure(null);
        if (apiserverHost != null) {
            config = new ConfigBuilder(config).withMasterUrl(apiserverHost).build();
        }
        return new KubernetesClientBuilder().withConfig(config).build();
    }
}

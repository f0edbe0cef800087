package dev.caravan.source.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;

/**
 * The Kubernetes client Caravan and camel-kubernetes share: the pod's service account in a cluster
 * (fabric8's auto-configuration, which also honours {@code KUBECONFIG} outside one), a kubeconfig
 * file, or an API server URL.
 */
public final class KubernetesClients {

    /** As long as fabric8's default pool keeps an idle thread. */
    private static final Duration IDLE_THREAD_KEEP_ALIVE = Duration.ofSeconds(60);

    /** Informer events and watch reconnects run here; one pool per client, stopped with it as fabric8's is. */
    private static final KubernetesClientBuilder.ExecutorSupplier TASKS = new KubernetesClientBuilder.ExecutorSupplier() {
        @Override
        public Executor get() {
            return new ElasticThreadPool(new DefaultThreadFactory("caravan-kubernetes", true), IDLE_THREAD_KEEP_ALIVE);
        }

        @Override
        public void onClose(Executor executor) {
            ((ExecutorService) executor).shutdownNow();
        }
    };

    private KubernetesClients() {
    }

    /**
     * @param kubeconfig    a kubeconfig file, or {@code null}
     * @param apiserverHost the API server URL, overriding the kubeconfig's, or {@code null}
     */
    public static KubernetesClient create(Path kubeconfig, String apiserverHost) throws IOException {
        return new KubernetesClientBuilder().withConfig(config(kubeconfig, apiserverHost))
                .withTaskExecutorSupplier(TASKS).build();
    }

    /**
     * A client for one call before the start, which fails within seconds rather than fabric8's minutes of retries:
     * nothing else runs yet, the admin port's probes included.
     */
    public static KubernetesClient createForOneCall(Path kubeconfig, String apiserverHost) throws IOException {
        Config config = new ConfigBuilder(config(kubeconfig, apiserverHost)).withRequestRetryBackoffLimit(2)
                .withConnectionTimeout(5_000).withRequestTimeout(10_000).build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    private static Config config(Path kubeconfig, String apiserverHost) throws IOException {
        Config config = kubeconfig != null
                ? Config.fromKubeconfig(Files.readString(kubeconfig, StandardCharsets.UTF_8))
                : Config.autoConfigure(null);
        if (apiserverHost != null) {
            config = new ConfigBuilder(config).withMasterUrl(apiserverHost).build();
        }
        return config;
    }
}

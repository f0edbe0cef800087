package dev.caravan.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.cli.CaravanOptions;
import dev.caravan.cli.CheckCommand;
import dev.caravan.cli.Option;
import dev.caravan.source.ManifestFolder;
import dev.caravan.state.ClusterStateStore;
import dev.caravan.state.ResourceKind;
import dev.caravan.testing.CaravanHarness;
import dev.caravan.testing.RawHttp;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ServiceReference;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * k8s/, the Dockerfile and the cluster example, read as the cluster and Docker would read them, against
 * Caravan's own code: its option parser, its API calls ({@link ApiCalls}), its ports and its paths.
 */
class DeploymentManifestsTest {

    private static final Path K8S = Path.of("k8s");
    private static final String BASE = "k8s/base";
    /** What the downward API gives a pod of the Deployment for metadata.name. */
    private static final String POD_NAME = "caravan-7d9f8b6c5-x2x4q";
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    // --- every manifest -------------------------------------------------------------------------------------

    @Test
    void everyKustomizationRendersToTypedObjectsWithoutUnknownFields() throws IOException {
        Set<Path> read = new TreeSet<>();
        List<Path> kustomizations = kustomizations();
        assertThat(kustomizations).extracting(Path::toString)
                .contains(BASE, "k8s/overlays/baremetal", "k8s/overlays/cloud");
        for (Path dir : kustomizations) {
            Kustomize.Build build = Kustomize.build(dir);
            read.addAll(build.files());
            for (HasMetadata object : typed(build.objects())) {
                assertThat(object.getMetadata().getName()).as("%s: an object without a name", dir).isNotBlank();
                assertThat(unknownFields(object)).as("%s: fields of %s/%s that Kubernetes does not know", dir,
                        object.getKind(), object.getMetadata().getName()).isEmpty();
            }
        }
        try (Stream<Path> files = Files.walk(K8S)) {
            assertThat(files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
                    .map(f -> f.toAbsolutePath().normalize()))
                    .as("files under k8s/ that no kustomization applies").allMatch(read::contains);
        }
    }

    @Test
    void kubectlKustomizeRendersWhatTheTestsCheck() throws Exception {
        assumeTrue(onPath("kubectl"), "kubectl is not installed");
        for (Path dir : kustomizations()) {
            Process kubectl = new ProcessBuilder("kubectl", "kustomize", dir.toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String output = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(kubectl.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(kubectl.exitValue()).as("kubectl kustomize %s", dir).isZero();
            assertThat(Kustomize.byId(Kustomize.parse(output))).as(dir.toString())
                    .isEqualTo(Kustomize.byId(Kustomize.build(dir).objects()));
        }
    }

    // --- the Deployment against Caravan's options -----------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"k8s/overlays/baremetal", "k8s/overlays/cloud"})
    void theDeploymentRunsCaravanWithOptionsItAccepts(String overlay) throws Exception {
        Rendered rendered = Rendered.of(overlay);
        Deployment deployment = rendered.deployment();
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
        Container container = rendered.container();
        assertThat(container.getCommand()).as("the image's ENTRYPOINT runs Caravan").isNullOrEmpty();
        assertThat(rendered.args()).as("args with a variable the container does not define")
                .noneMatch(arg -> arg.contains("$("));
        assertThatCode(rendered::options).as("Caravan's parser on %s", rendered.args()).doesNotThrowAnyException();

        CaravanOptions options = rendered.options();
        assertThat(options.standalone()).isFalse();
        assertThat(options.kubeconfig()).as("in a pod: its service account").isNull();
        assertThat(options.podNamespace()).isEqualTo(deployment.getMetadata().getNamespace());
        assertThat(options.podName()).isEqualTo(POD_NAME);
        assertThat(rendered.one(IngressClass.class, "caravan").getSpec().getController())
                .isEqualTo(options.controllerClass());
        assertThat(rendered.one(ServiceAccount.class, rendered.pod().getServiceAccountName()).getMetadata()
                .getNamespace()).isEqualTo(deployment.getMetadata().getNamespace());
        assertThat(rendered.pod().getEnableServiceLinks())
                .as("service links would put CARAVAN_SERVICE_HOST and the like in Caravan's settings").isFalse();
        assertThat(rendered.pod().getTerminationGracePeriodSeconds())
                .as("the kubelet must wait for the grace period and the drain (--shutdown-timeout) to end")
                .isGreaterThan(options.shutdownGracePeriod().plus(options.shutdownTimeout()).toSeconds());
        if (options.publishService() != null) {
            assertThat(rendered.find(Service.class, options.publishService().name()))
                    .as("--publish-service %s", options.publishService()).isNotNull()
                    .extracting(s -> s.getMetadata().getNamespace()).isEqualTo(options.publishService().namespace());
        }
    }

    @Test
    void theCloudOverlayPublishesItsLoadBalancer() throws Exception {
        Rendered cloud = Rendered.of("k8s/overlays/cloud");
        assertThat(cloud.options().publishService()).hasToString("caravan/caravan");
        assertThat(cloud.one(Service.class, "caravan").getSpec().getType()).isEqualTo("LoadBalancer");
        Rendered baremetal = Rendered.of("k8s/overlays/baremetal");
        assertThat(baremetal.options().publishService()).isNull();
        assertThat(baremetal.one(Service.class, "caravan").getSpec().getType()).isEqualTo("NodePort");
    }

    @Test
    void theConfigMapSetsOnlyCaravansSettings() throws Exception {
        Rendered rendered = Rendered.of(BASE);
        Set<String> settings = new TreeSet<>();
        for (Option option : Option.values()) {
            settings.add("CARAVAN_" + option.flag().toUpperCase(Locale.ROOT).replace('-', '_'));
        }
        List<EnvFromSource> sources = rendered.container().getEnvFrom();
        assertThat(sources).isNotEmpty();
        for (EnvFromSource source : sources) {
            ConfigMap config = rendered.one(ConfigMap.class, source.getConfigMapRef().getName());
            assertThat(config.getData()).as("ConfigMap %s", config.getMetadata().getName()).isNotEmpty();
            assertThat(config.getData().keySet()).as("keys that are no setting of Caravan's")
                    .allMatch(settings::contains);
        }
    }

    // --- RBAC against ApiCalls ------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"k8s/overlays/baremetal", "k8s/overlays/cloud"})
    void theRbacAllowsEveryCallCaravanMakes(String overlay) throws Exception {
        Rendered rendered = Rendered.of(overlay);
        CaravanOptions options = rendered.options();
        String publishType = options.publishService() == null ? null
                : rendered.one(Service.class, options.publishService().name()).getSpec().getType();
        List<ApiCall> calls = ApiCalls.made(options, ApiCalls.duties(options, publishType));
        Rbac rbac = rendered.rbac();
        assertThat(calls).as("calls Caravan makes that %s does not allow", overlay).allMatch(rbac::allows);
        // the informers' part once more, straight from ResourceKind, so it reads without ApiCalls
        for (ResourceKind kind : ResourceKind.values()) {
            String group = kind.apiVersion().contains("/") ? kind.apiVersion().split("/")[0] : "";
            assertThat(rbac.allows(ApiCall.of("list", group, kind.plural(), null))
                    && rbac.allows(ApiCall.of("watch", group, kind.plural(), null)))
                    .as("list and watch of %s in every namespace", kind.plural()).isTrue();
        }
        assertThat(rbac.allows(ApiCall.of("patch", "networking.k8s.io", "ingresses/status", "default")))
                .as("writing Ingress status").isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"k8s/overlays/baremetal", "k8s/overlays/cloud"})
    void theRbacAllowsNothingCaravanCannotCall(String overlay) throws Exception {
        Rendered rendered = Rendered.of(overlay);
        List<ApiCall> possible = ApiCalls.possible(rendered.options());
        List<String> unjustified = new ArrayList<>();
        for (Rbac.Grant grant : rendered.rbac().grants()) {
            PolicyRule rule = grant.rule();
            assertThat(rule.getNonResourceURLs()).as("%s: non-resource URLs", grant.from()).isNullOrEmpty();
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    for (String verb : rule.getVerbs()) {
                        boolean needed = possible.stream().anyMatch(c -> c.group().equals(group)
                                && c.resource().equals(resource) && c.verb().equals(verb));
                        if (!needed) {
                            unjustified.add(grant.from() + ": " + verb + " " + group + "/" + resource);
                        }
                    }
                }
            }
        }
        assertThat(unjustified).as("rules that no call of Caravan's needs").isEmpty();
    }

    // --- probes, ports, Services ----------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"k8s/overlays/baremetal", "k8s/overlays/cloud"})
    void theProbesAskTheAdminPortTheArgsConfigure(String overlay) throws Exception {
        Rendered rendered = Rendered.of(overlay);
        CaravanOptions options = rendered.options();
        Container container = rendered.container();
        assertThat(options.bindAddress()).as("the kubelet probes the pod's address, not loopback")
                .isNotIn("127.0.0.1", "::1");
        assertProbe(container, container.getStartupProbe(), "/healthz", options.adminPort());
        assertProbe(container, container.getLivenessProbe(), "/healthz", options.adminPort());
        assertProbe(container, container.getReadinessProbe(), "/readyz", options.adminPort());
        assertThat(containerPort(container, new IntOrString("http"))).isEqualTo(options.httpPort());
        assertThat(containerPort(container, new IntOrString("https"))).isEqualTo(options.httpsPort());
    }

    private static void assertProbe(Container container, Probe probe, String path, int adminPort) {
        assertThat(probe).isNotNull();
        assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
        assertThat(probe.getHttpGet().getScheme()).isIn(null, "HTTP");
        assertThat(containerPort(container, probe.getHttpGet().getPort())).as("%s's port", path).isEqualTo(adminPort);
    }

    @ParameterizedTest
    @ValueSource(strings = {"k8s/overlays/baremetal", "k8s/overlays/cloud"})
    void theServiceSendsTrafficToTheListenersOfTheDeploymentsPods(String overlay) throws Exception {
        Rendered rendered = Rendered.of(overlay);
        Map<String, String> podLabels = rendered.deployment().getSpec().getTemplate().getMetadata().getLabels();
        assertThat(podLabels).containsAllEntriesOf(rendered.deployment().getSpec().getSelector().getMatchLabels());
        Service service = rendered.one(Service.class, "caravan");
        assertThat(podLabels).containsAllEntriesOf(service.getSpec().getSelector());
        CaravanOptions options = rendered.options();
        boolean nodePort = service.getSpec().getType().equals("NodePort");
        Map<Integer, Integer> targets = new HashMap<>();
        for (ServicePort port : service.getSpec().getPorts()) {
            int target = containerPort(rendered.container(), port.getTargetPort());
            targets.put(port.getPort(), target);
            if (target == options.httpsPort()) {
                assertThat(options.httpsRedirectPort()).as("--https-redirect-port: where clients reach HTTPS")
                        .isEqualTo(nodePort ? port.getNodePort() : port.getPort());
            }
        }
        assertThat(targets).containsEntry(80, options.httpPort()).containsEntry(443, options.httpsPort());
        if (nodePort) {
            assertThat(service.getSpec().getPorts()).extracting(ServicePort::getNodePort).containsExactly(30080, 30443);
        }
        PodDisruptionBudget budget = rendered.one(PodDisruptionBudget.class, "caravan");
        assertThat(podLabels).containsAllEntriesOf(budget.getSpec().getSelector().getMatchLabels());
        assertThat(budget.getSpec().getMinAvailable().getIntVal()).isEqualTo(1)
                .isLessThan(rendered.deployment().getSpec().getReplicas());
    }

    @ParameterizedTest
    @ValueSource(strings = {"k8s/overlays/baremetal", "k8s/overlays/cloud"})
    void theWebhookConfigurationCallsTheWebhookPortThroughItsService(String overlay) throws Exception {
        Rendered rendered = Rendered.of(overlay);
        CaravanOptions options = rendered.options();
        assertThat(options.webhookPort()).as("--webhook-port").isPositive()
                .isNotIn(options.httpPort(), options.httpsPort(), options.adminPort());
        ValidatingWebhookConfiguration configuration = rendered.one(ValidatingWebhookConfiguration.class,
                options.webhookConfiguration());
        assertThat(configuration.getWebhooks()).hasSize(1);
        ValidatingWebhook webhook = configuration.getWebhooks().get(0);
        assertThat(webhook.getAdmissionReviewVersions()).containsExactly("v1");
        assertThat(webhook.getSideEffects()).isEqualTo("None");
        assertThat(webhook.getFailurePolicy()).as("an unreachable webhook must not block kubectl apply")
                .isEqualTo("Ignore");
        assertThat(webhook.getTimeoutSeconds()).isBetween(1, 3);
        assertThat(webhook.getMatchPolicy()).isEqualTo("Equivalent");
        assertThat(webhook.getRules()).singleElement().satisfies(rule -> {
            assertThat(rule.getApiGroups()).containsExactly("networking.k8s.io");
            assertThat(rule.getApiVersions()).containsExactly("v1");
            assertThat(rule.getResources()).containsExactly("ingresses");
            assertThat(rule.getOperations()).containsExactlyInAnyOrder("CREATE", "UPDATE");
        });
        assertThat(webhook.getClientConfig().getCaBundle()).as("the leader sets it").isNull();
        ServiceReference reference = webhook.getClientConfig().getService();
        assertThat(reference.getPath()).isEqualTo("/validate");
        assertThat(reference.getNamespace()).as("Caravan makes the certificate for its own namespace's Service")
                .isEqualTo(options.podNamespace());
        assertThat(reference.getName()).isEqualTo(options.webhookService());
        Service service = rendered.one(Service.class, reference.getName());
        assertThat(service.getMetadata().getNamespace()).isEqualTo(reference.getNamespace());
        assertThat(rendered.deployment().getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(service.getSpec().getSelector());
        int servicePort = reference.getPort() == null ? 443 : reference.getPort();
        ServicePort port = service.getSpec().getPorts().stream().filter(p -> p.getPort() == servicePort).findFirst()
                .orElseThrow(() -> new AssertionError("Service " + service.getMetadata().getName() + " has no port "
                        + servicePort));
        assertThat(containerPort(rendered.container(), port.getTargetPort())).isEqualTo(options.webhookPort());
    }

    private static int containerPort(Container container, IntOrString port) {
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        return container.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName()))
                .map(ContainerPort::getContainerPort).findFirst()
                .orElseThrow(() -> new AssertionError("no container port named " + port.getStrVal()));
    }

    // --- security -------------------------------------------------------------------------------------------

    @Test
    void thePodRunsAsNonRootOnAReadOnlyRootFilesystem() throws Exception {
        Rendered rendered = Rendered.of(BASE);
        PodSecurityContext pod = rendered.pod().getSecurityContext();
        assertThat(pod.getRunAsNonRoot()).isTrue();
        assertThat(pod.getRunAsUser()).isNotNull().isPositive().isEqualTo(dockerfileUid());
        assertThat(pod.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        SecurityContext container = rendered.container().getSecurityContext();
        assertThat(container.getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getPrivileged()).isNotEqualTo(Boolean.TRUE);
        assertThat(container.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(container.getCapabilities().getAdd()).isNullOrEmpty();
        for (VolumeMount mount : rendered.container().getVolumeMounts()) {
            Volume volume = rendered.volume(mount.getName());
            if (mount.getMountPath().equals("/tmp")) {
                assertThat(volume.getEmptyDir()).as("/tmp").isNotNull();
            } else {
                assertThat(mount.getReadOnly()).as("%s is writable", mount.getMountPath()).isTrue();
            }
        }
        assertThat(rendered.container().getVolumeMounts()).extracting(VolumeMount::getMountPath).contains("/tmp");
        assertThat(rendered.one(Namespace.class, "caravan").getMetadata().getLabels())
                .containsEntry("pod-security.kubernetes.io/enforce", "restricted");
        assertThat(rendered.container().getResources().getLimits()).containsKey("memory");
        assertThat(rendered.container().getResources().getRequests()).containsKeys("cpu", "memory");
    }

    // --- the routes folder ----------------------------------------------------------------------------------

    @Test
    void caravanStartsWithTheRoutesConfigMapAsItsRoutesFolderAndAnswersTheProbes(@TempDir Path temp)
            throws Exception {
        Rendered rendered = Rendered.of(BASE);
        VolumeMount mount = rendered.container().getVolumeMounts().stream()
                .filter(m -> rendered.volume(m.getName()).getConfigMap() != null
                        && rendered.volume(m.getName()).getConfigMap().getName().equals("caravan-routes"))
                .findFirst().orElseThrow(() -> new AssertionError("caravan-routes is not mounted"));
        Path workdir = runStage().workdir();
        assertThat(Path.of(mount.getMountPath())).isEqualTo(workdir.resolve(rendered.options().routes()).normalize());

        Map<String, String> routes = rendered.one(ConfigMap.class, "caravan-routes").getData();
        assertThat(routes.keySet()).as("Caravan loads *.yaml and *.xml").isNotEmpty()
                .allMatch(key -> key.endsWith(".yaml") || key.endsWith(".xml"));
        // laid out as the kubelet lays out a ConfigMap volume: each key a link into a hidden, timestamped directory
        Path folder = Files.createDirectory(temp.resolve("routes"));
        Path data = Files.createDirectory(folder.resolve("..2025_01_01_00_00_00.000000001"));
        Files.createSymbolicLink(folder.resolve("..data"), data.getFileName());
        for (Map.Entry<String, String> route : routes.entrySet()) {
            Files.writeString(data.resolve(route.getKey()), route.getValue());
            Files.createSymbolicLink(folder.resolve(route.getKey()), Path.of("..data", route.getKey()));
        }
        Path manifests = Files.createDirectory(temp.resolve("manifests"));
        Container container = rendered.container();
        try (CaravanHarness caravan = CaravanHarness.start(manifests, "--routes", folder.toString())) {
            for (Probe probe : List.of(container.getStartupProbe(), container.getLivenessProbe(),
                    container.getReadinessProbe())) {
                String path = probe.getHttpGet().getPath();
                assertThat(RawHttp.get(caravan.adminPort(), "localhost", path).status()).as(path).isEqualTo(200);
            }
        }
    }

    // --- the Dockerfile -------------------------------------------------------------------------------------

    @Test
    void theDockerfileRunsTheBuiltJarAsANumericNonRootUser() throws Exception {
        List<Dockerfile.Stage> stages = Dockerfile.read(Path.of("Dockerfile"));
        Dockerfile.Stage run = stages.get(stages.size() - 1);
        Path workdir = run.workdir();

        assertThat(dockerfileUid()).as("USER").isPositive();

        Dockerfile.Instruction copyJar = run.all("COPY").stream().filter(c -> c.flag("from") != null).findFirst()
                .orElseThrow(() -> new AssertionError("no COPY --from the build stage"));
        Dockerfile.Stage build = stages.stream().filter(s -> copyJar.flag("from").equals(s.name())).findFirst()
                .orElseThrow(() -> new AssertionError("no stage named " + copyJar.flag("from")));
        assertThat(String.join(" ", build.all("RUN").get(build.all("RUN").size() - 1).operands()))
                .as("the README's build command").contains("mvn -B -ntp package -DskipTests");
        assertThat(Files.readString(Path.of("README.md"))).contains("mvn -B -ntp package -DskipTests");
        assertThat(Path.of(copyJar.operands().get(0))).isEqualTo(build.workdir().resolve("target/caravan.jar"));
        Path jar = workdir.resolve(copyJar.operands().get(1));

        String entrypoint = run.all("ENTRYPOINT").get(0).arguments();
        List<String> command = new ObjectMapper().readValue(entrypoint, new TypeReference<List<String>>() { });
        assertThat(command).as("exec form, so SIGTERM reaches the JVM").first().isEqualTo("java");
        int dashJar = command.indexOf("-jar");
        assertThat(dashJar).as("-jar").isPositive();
        assertThat(workdir.resolve(command.get(dashJar + 1))).as("the jar ENTRYPOINT runs").isEqualTo(jar);
        assertThatCode(() -> CaravanOptions.parse(command.subList(dashJar + 2, command.size()).toArray(String[]::new),
                new Properties(), Map.of())).doesNotThrowAnyException();

        // the class-data archive: made by the jar the image runs, from the same working directory, and used
        String training = run.all("RUN").stream().map(Dockerfile.Instruction::arguments)
                .filter(r -> r.contains("-XX:ArchiveClassesAtExit=")).findFirst()
                .orElseThrow(() -> new AssertionError("no training run writing a class-data archive"));
        java.util.regex.Matcher archive = java.util.regex.Pattern
                .compile("-XX:ArchiveClassesAtExit=(\\S+) -jar (\\S+)").matcher(training);
        assertThat(archive.find()).as("java -XX:ArchiveClassesAtExit=... -jar ... in %s", training).isTrue();
        assertThat(workdir.resolve(archive.group(2))).as("the jar the archive is made from").isEqualTo(jar);
        assertThat(command).as("the archive the training run writes").contains("-XX:SharedArchiveFile=" + archive.group(1));

        Set<Integer> exposed = new TreeSet<>();
        run.all("EXPOSE").forEach(e -> e.operands().forEach(p -> exposed.add(Integer.parseInt(p.split("/")[0]))));
        CaravanOptions defaults = CaravanOptions.parse(new String[0], new Properties(), Map.of());
        assertThat(exposed).contains(defaults.httpPort(), defaults.httpsPort(), defaults.adminPort())
                .containsAll(Rendered.of(BASE).container().getPorts().stream().map(ContainerPort::getContainerPort)
                        .toList());

        assertThat(run.all("COPY").stream().filter(c -> c.flag("from") == null).map(c -> c.operands()))
                .as("the routes folder, where `--routes routes` finds it")
                .anyMatch(operands -> operands.get(0).equals("routes")
                        && workdir.resolve(operands.get(1)).equals(workdir.resolve(defaults.routes())));

        List<String> ignored = Files.readAllLines(Path.of(".dockerignore"));
        List<String> copied = new ArrayList<>();
        stages.forEach(stage -> stage.all("COPY").stream().filter(c -> c.flag("from") == null)
                .forEach(c -> copied.addAll(c.operands().subList(0, c.operands().size() - 1))));
        assertThat(copied).as("sources the build context must hold").isNotEmpty()
                .allMatch(source -> ignored.contains("!" + source));
    }

    /** The numeric uid the image runs as (from {@code USER uid[:gid]}). */
    private static long dockerfileUid() throws IOException {
        List<Dockerfile.Instruction> users = runStage().all("USER");
        assertThat(users).as("USER").isNotEmpty();
        String user = users.get(users.size() - 1).arguments();
        assertThat(user).as("numeric, so Kubernetes can check runAsNonRoot").matches("\\d+(:\\d+)?");
        return Long.parseLong(user.split(":")[0]);
    }

    private static Dockerfile.Stage runStage() throws IOException {
        List<Dockerfile.Stage> stages = Dockerfile.read(Path.of("Dockerfile"));
        return stages.get(stages.size() - 1);
    }

    // --- the cluster example --------------------------------------------------------------------------------

    @Test
    void theHostnameExampleIsServedAsWrittenAndStaysOutOfTheStandaloneDemo(@TempDir Path temp) throws Exception {
        Path example = Path.of("examples/hostname-service/hostname-service.yaml");
        List<HasMetadata> objects = new ArrayList<>();
        for (JsonNode document : Kustomize.readDocuments(example)) {
            objects.add((HasMetadata) SERIALIZATION.unmarshal(document.toString(), KubernetesResource.class));
        }
        assertThat(objects).extracting(HasMetadata::getKind).containsExactly("Deployment", "Service", "Ingress");
        objects.forEach(object -> assertThat(unknownFields(object)).as(object.getKind()).isEmpty());
        Ingress ingress = (Ingress) objects.get(2);
        assertThat(ingress.getSpec().getIngressClassName()).isEqualTo("caravan");

        Files.copy(example, temp.resolve("hostname-service.yaml"));
        Files.copy(Path.of(BASE, "ingress-class.yaml"), temp.resolve("ingress-class.yaml"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = new CheckCommand(new PrintStream(out, true, StandardCharsets.UTF_8), System.err)
                .run(List.of(temp.toString()), new ByteArrayInputStream(new byte[0]));
        assertThat(exit).as(out.toString(StandardCharsets.UTF_8)).isZero();

        ClusterStateStore store = new ClusterStateStore();
        new ManifestFolder(Path.of("examples"), store).scan();
        Collection<Ingress> standalone = store.current().all(ResourceKind.INGRESS);
        assertThat(standalone).as("Ingresses of `--manifests examples`").extracting(i -> i.getMetadata().getName()).isNotEmpty().doesNotContain("hostname-service");
    }

    // --- helpers --------------------------------------------------------------------------------------------

    private static List<Path> kustomizations() throws IOException {
        try (Stream<Path> files = Files.walk(K8S)) {
            return files.filter(f -> f.getFileName().toString().equals(Kustomize.KUSTOMIZATION))
                    .map(Path::getParent).sorted().toList();
        }
    }

    private static List<HasMetadata> typed(List<ObjectNode> objects) {
        List<HasMetadata> typed = new ArrayList<>();
        for (ObjectNode object : objects) {
            KubernetesResource resource = SERIALIZATION.unmarshal(object.toString(), KubernetesResource.class);
            assertThat(resource).as(Kustomize.id(object)).isInstanceOf(HasMetadata.class);
            typed.add((HasMetadata) resource);
        }
        return typed;
    }

    /**
     * Fields fabric8 had no property for (it keeps them as "additional properties"): a misspelt or misplaced
     * field, which the API server would drop or refuse.
     */
    static List<String> unknownFields(Object object) {
        List<String> found = new ArrayList<>();
        collectUnknownFields(object, "", found);
        return found;
    }

    private static void collectUnknownFields(Object value, String path, List<String> found) {
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                collectUnknownFields(item, path + "[" + i++ + "]", found);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((key, item) -> collectUnknownFields(item, path + "." + key, found));
            return;
        }
        if (value == null || !value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get")
                    || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object property;
            try {
                property = getter.invoke(value);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException(getter.toString(), e);
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (property instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    extra.keySet().forEach(key -> found.add(path + "." + key));
                }
            } else {
                String name = getter.getName().substring(3);
                collectUnknownFields(property, path + "." + Character.toLowerCase(name.charAt(0)) + name.substring(1),
                        found);
            }
        }
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        return path != null && Stream.of(path.split(java.io.File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
    }

    /** A kustomization rendered into typed objects, and what Caravan's container makes of it. */
    private record Rendered(List<HasMetadata> objects) {

        private static final Pattern VARIABLE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

        static Rendered of(String dir) {
            return new Rendered(typed(Kustomize.build(Path.of(dir)).objects()));
        }

        <T extends HasMetadata> T find(Class<T> type, String name) {
            return objects.stream().filter(type::isInstance).map(type::cast)
                    .filter(o -> o.getMetadata().getName().equals(name)).findFirst().orElse(null);
        }

        <T extends HasMetadata> T one(Class<T> type, String name) {
            T found = find(type, name);
            assertThat(found).as("%s %s", type.getSimpleName(), name).isNotNull();
            return found;
        }

        Deployment deployment() {
            return one(Deployment.class, "caravan");
        }

        PodSpec pod() {
            return deployment().getSpec().getTemplate().getSpec();
        }

        Container container() {
            return pod().getContainers().stream().filter(c -> c.getName().equals("caravan")).findFirst()
                    .orElseThrow(() -> new AssertionError("no container named caravan"));
        }

        Volume volume(String name) {
            return pod().getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst()
                    .orElseThrow(() -> new AssertionError("no volume " + name));
        }

        /** The container's environment, as the kubelet builds it: envFrom ConfigMaps, then env. */
        Map<String, String> environment() {
            Map<String, String> environment = new HashMap<>();
            for (EnvFromSource source : container().getEnvFrom()) {
                environment.putAll(one(ConfigMap.class, source.getConfigMapRef().getName()).getData());
            }
            for (EnvVar variable : container().getEnv()) {
                environment.put(variable.getName(), variable.getValueFrom() == null ? variable.getValue()
                        : switch (variable.getValueFrom().getFieldRef().getFieldPath()) {
                            case "metadata.namespace" -> deployment().getMetadata().getNamespace();
                            case "metadata.name" -> POD_NAME;
                            default -> throw new AssertionError("unexpected field " + variable.getValueFrom());
                        });
            }
            return environment;
        }

        /** The container's args with $(VAR) expanded, as the kubelet does. */
        List<String> args() {
            Map<String, String> environment = environment();
            List<String> args = new ArrayList<>();
            for (String arg : container().getArgs()) {
                Matcher variable = VARIABLE.matcher(arg);
                args.add(variable.replaceAll(m -> Matcher.quoteReplacement(
                        environment.getOrDefault(m.group(1), m.group()))));
            }
            return args;
        }

        /** The options Caravan starts with in this container: args, then environment. */
        CaravanOptions options() throws Exception {
            return CaravanOptions.parse(args().toArray(String[]::new), new Properties(), environment());
        }

        Rbac rbac() {
            return new Rbac(objects, deployment().getMetadata().getNamespace(), pod().getServiceAccountName());
        }
    }
}

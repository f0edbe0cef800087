package dev.caravan.admission;

import dev.caravan.compile.ControllerSettings;
import dev.caravan.compile.IngressCheck;
import dev.caravan.routing.ObjectRef;
import dev.caravan.routing.RoutePolicy;
import dev.caravan.routing.RoutingTable;
import dev.caravan.state.AnnotationPrefix;
import dev.caravan.state.ClusterState;
import dev.caravan.tls.TlsSecretReader;
import dev.caravan.tls.TlsSettings;
import io.fabric8.kubernetes.api.model.GroupVersionKind;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponseBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The webhook's verdict on one AdmissionRequest for an Ingress, from the compiler's own checks of the
 * candidate ({@link IngressCheck}: Ingress v1 validation, annotation values, refused annotations): an
 * Ingress Caravan would refuse to serve is denied with every reason; one it would serve is allowed, with
 * warnings for what it would serve differently than written (unsupported annotations, regex paths taken
 * literally, paths another Ingress already serves). Nothing is rendered or run, and only the candidate is
 * checked: conflicts are lookups in the routing table in force, so a review costs the same at any scale.
 */
public final class AdmissionReviewer {

    /** The API server shows warnings to the client; a handful says enough. */
    static final int MAX_WARNINGS = 10;
    private static final String INGRESS_GROUP = "networking.k8s.io";

    private final UnaryOperator<HasMetadata> reading;
    private final Supplier<ControllerSettings> settings;
    private final Supplier<ClusterState> state;
    private final Supplier<RoutingTable> table;
    private final KubernetesSerialization serialization;
    private final TlsSecretReader tlsSecrets = new TlsSecretReader(TlsSettings.defaults());

    /**
     * @param state the cluster state in force, for the IngressClasses that decide what is ours
     * @param table the routing table in force, for conflicts
     */
    public AdmissionReviewer(ControllerSettings settings, Supplier<ClusterState> state, Supplier<RoutingTable> table,
            KubernetesSerialization serialization) {
        this(() -> settings, UnaryOperator.identity(), state, table, serialization);
    }

    /**
     * @param settings the compiler's settings in force (ingress-nginx's ConfigMap may change them)
     * @param reading  how an Ingress is read, as the cluster state reads it ({@code --annotations-prefix})
     */
    public AdmissionReviewer(Supplier<ControllerSettings> settings, UnaryOperator<HasMetadata> reading,
            Supplier<ClusterState> state, Supplier<RoutingTable> table, KubernetesSerialization serialization) {
        this.settings = settings;
        this.reading = reading;
        this.state = state;
        this.table = table;
        this.serialization = serialization;
    }

    /** The response to a request whose uid is known (see {@link AdmissionReviews#parse}). */
    public AdmissionResponse review(AdmissionRequest request) {
        AdmissionResponseBuilder response = new AdmissionResponseBuilder().withUid(request.getUid()).withAllowed(true);
        boolean creating = "CREATE".equals(request.getOperation());
        if (!(creating || "UPDATE".equals(request.getOperation())) || !isIngressV1(request.getKind())) {
            return response.build();
        }
        Ingress ingress;
        try {
            ingress = serialization.convertValue(request.getObject(), Ingress.class);
        } catch (RuntimeException unreadable) {
            return response.withWarnings("Caravan could not read this Ingress, so did not review it: "
                    + unreadable.getMessage()).build();
        }
        if (ingress == null || ingress.getMetadata() == null) {
            return response.withWarnings("Caravan got no Ingress to review").build();
        }
        if (ingress.getMetadata().getNamespace() == null || ingress.getMetadata().getNamespace().isEmpty()) {
            ingress.getMetadata().setNamespace(request.getNamespace());
        }
        if (reading instanceof AnnotationPrefix prefix && !prefix.unread(ingress).isEmpty()) {
            // as ingress-nginx's webhook: an annotation that would be silently passed over is told at once
            return refused(response, ClusterState.refOf(ingress), String.join(", ", prefix.unread(ingress))
                    + " is not read with --annotations-prefix " + prefix.prefix() + "; write " + prefix.prefix()
                    + "/… instead");
        }
        ingress = (Ingress) reading.apply(ingress);
        ObjectRef ref = ClusterState.refOf(ingress);
        ControllerSettings settings = this.settings.get();
        IngressCheck.Report report = IngressCheck.check(ingress, settings, state.get(), tlsSecrets::problem);
        if (IngressCheck.CATCH_ALL.equals(report.notOurs())) {
            // as ingress-nginx's webhook: told at once, rather than an Ingress that silently serves nothing
            return refused(response, ref, "it is a catch-all Ingress (it has a spec.defaultBackend) and"
                    + " --disable-catch-all is set; remove spec.defaultBackend");
        }
        if (report.notOurs() != null) {
            return response.build();
        }
        List<String> reasons = new ArrayList<>(report.problems());
        List<String> warnings = new ArrayList<>();
        for (IngressCheck.Verdict verdict : report.annotations()) {
            switch (verdict.verdict()) {
                case "refused", "invalid" -> reasons.add(verdict.annotation() + ": " + verdict.why());
                case "ignored" -> warnings.add(verdict.annotation() + ": " + verdict.why());
                case "unsupported" -> warnings.add(verdict.annotation() + " is not supported by Caravan yet; the"
                        + " Ingress is served without it");
                default -> { }
            }
        }
        if (!reasons.isEmpty()) {
            return refused(response, ref, String.join("; ", reasons));
        }
        RoutePolicy policy = settings.parse(ingress.getMetadata().getAnnotations(), ref.namespace()).policy();
        warnings.addAll(report.warnings());
        // warned, not refused: the informer's copy may lag an object written just before, as kubectl apply writes
        // a ConfigMap and the Ingress naming it in one go; until the object is fixed, the Ingress answers 503
        String until = report.denied() ? "; its paths answer 503 until it is fixed" : "; not served until it is fixed";
        report.objectProblems().forEach(problem -> warnings.add(problem + until));
        report.unchecked().forEach(object -> warnings.add(object + " does not exist (yet)"));
        warnings.addAll(PathConflicts.find(ingress, ref, creating, policy.canary() != null, table.get()));
        return response.withWarnings(capped(warnings)).build();
    }

    private static boolean isIngressV1(GroupVersionKind kind) {
        return kind != null && INGRESS_GROUP.equals(kind.getGroup()) && "v1".equals(kind.getVersion())
                && "Ingress".equals(kind.getKind());
    }

    private static List<String> capped(List<String> warnings) {
        if (warnings.size() <= MAX_WARNINGS) {
            return warnings;
        }
        List<String> first = new ArrayList<>(warnings.subList(0, MAX_WARNINGS - 1));
        first.add("and " + (warnings.size() - first.size()) + " more warnings");
        return first;
    }

    /** A 400 denial naming the Ingress (or, without a name, its namespace) and why. */
    private static AdmissionResponse refused(AdmissionResponseBuilder response, ObjectRef ref, String why) {
        String name = ref.name() == null || ref.name().isEmpty() ? "(unnamed) in " + ref.namespace() : ref.toString();
        return response.withAllowed(false).withStatus(new StatusBuilder().withCode(400).withReason("Invalid")
                .withMessage("Ingress " + name + " is refused by Caravan: " + why).build()).build();
    }
}

package dev.caravan.admission;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.UUID;

/** AdmissionReview v1 bodies as the API server sends them for an Ingress, written out as JSON text. */
public final class AdmissionRequests {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private AdmissionRequests() {
    }

    /** A review of {@code operation} (CREATE, UPDATE, DELETE) of the Ingress, with a fresh uid. */
    public static String review(String operation, Ingress ingress) {
        return review(operation, UUID.randomUUID().toString(), ingress);
    }

    public static String review(String operation, String uid, Ingress ingress) {
        ObjectNode review = JSON.createObjectNode().put("apiVersion", "admission.k8s.io/v1")
                .put("kind", "AdmissionReview");
        ObjectNode request = review.putObject("request").put("uid", uid);
        request.putObject("kind").put("group", "networking.k8s.io").put("version", "v1").put("kind", "Ingress");
        request.putObject("resource").put("group", "networking.k8s.io").put("version", "v1")
                .put("resource", "ingresses");
        request.putObject("requestKind").put("group", "networking.k8s.io").put("version", "v1").put("kind", "Ingress");
        request.put("name", ingress.getMetadata().getName()).put("namespace", ingress.getMetadata().getNamespace())
                .put("operation", operation);
        request.putObject("userInfo").put("username", "kubernetes-admin").putArray("groups").add("system:masters");
        ObjectNode object = SERIALIZATION.convertValue(ingress, ObjectNode.class);
        if (operation.equals("DELETE")) {
            request.putNull("object");
            request.set("oldObject", object);
        } else {
            request.set("object", object);
            request.set("oldObject", operation.equals("UPDATE") ? object : null);
        }
        request.put("dryRun", false);
        request.putObject("options").put("apiVersion", "meta.k8s.io/v1").put("kind", operation.equals("DELETE")
                ? "DeleteOptions" : operation.equals("UPDATE") ? "UpdateOptions" : "CreateOptions");
        return review.toString();
    }
}

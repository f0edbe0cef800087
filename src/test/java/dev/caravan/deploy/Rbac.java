package dev.caravan.deploy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What a set of manifests lets one ServiceAccount do, as the API server's RBAC authorizer decides it. */
final class Rbac {

    /**
     * A rule in force for the account.
     *
     * @param namespace where it applies: {@code null} for a ClusterRoleBinding (every namespace and
     *                  cluster-scoped resources), else the RoleBinding's namespace
     * @param from      the role it comes from, for messages
     */
    record Grant(String namespace, PolicyRule rule, String from) {
    }

    private final List<Grant> grants = new ArrayList<>();

    Rbac(List<HasMetadata> objects, String namespace, String serviceAccount) {
        for (HasMetadata object : objects) {
            if (object instanceof ClusterRoleBinding binding && names(binding.getSubjects(), namespace, serviceAccount)) {
                rules(objects, binding.getRoleRef(), null).forEach(rule ->
                        grants.add(new Grant(null, rule, "ClusterRole " + binding.getRoleRef().getName())));
            } else if (object instanceof RoleBinding binding && names(binding.getSubjects(), namespace, serviceAccount)) {
                String where = binding.getMetadata().getNamespace();
                rules(objects, binding.getRoleRef(), where).forEach(rule -> grants.add(new Grant(where, rule,
                        binding.getRoleRef().getKind() + " " + binding.getRoleRef().getName() + " in " + where)));
            }
        }
    }

    List<Grant> grants() {
        return grants;
    }

    /** Whether some rule allows the call (no wildcards: k8s/ has none, and the tests refuse them). */
    boolean allows(ApiCall call) {
        for (Grant grant : grants) {
            PolicyRule rule = grant.rule();
            boolean where = grant.namespace() == null || grant.namespace().equals(call.namespace());
            boolean names = rule.getResourceNames() == null || rule.getResourceNames().isEmpty()
                    || (call.name() != null && rule.getResourceNames().contains(call.name()));
            if (where && names && rule.getApiGroups().contains(call.group())
                    && rule.getResources().contains(call.resource()) && rule.getVerbs().contains(call.verb())) {
                return true;
            }
        }
        return false;
    }

    private static boolean names(List<Subject> subjects, String namespace, String serviceAccount) {
        return subjects != null && subjects.stream().anyMatch(s -> "ServiceAccount".equals(s.getKind())
                && serviceAccount.equals(s.getName()) && namespace.equals(s.getNamespace()));
    }

    /** The rules of the role a binding refers to; a binding to a missing role grants nothing, as in a cluster. */
    private static List<PolicyRule> rules(List<HasMetadata> objects, RoleRef ref, String bindingNamespace) {
        for (HasMetadata object : objects) {
            if (!object.getMetadata().getName().equals(ref.getName())) {
                continue;
            }
            if ("ClusterRole".equals(ref.getKind()) && object instanceof ClusterRole role) {
                return role.getRules();
            }
            if ("Role".equals(ref.getKind()) && object instanceof Role role
                    && Objects.equals(role.getMetadata().getNamespace(), bindingNamespace)) {
                return role.getRules();
            }
        }
        return List.of();
    }
}

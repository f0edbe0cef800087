package dev.caravan.compile;

import dev.caravan.state.ClusterState;
import dev.caravan.state.ResourceKind;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Decides which Ingresses are ours, as the Ingress API and ingress-nginx do: by
 * {@code spec.ingressClassName} naming an IngressClass whose {@code spec.controller} is ours, else by
 * the legacy {@code kubernetes.io/ingress.class} annotation, else (no class at all) when one of our
 * IngressClasses is marked default or we were told to watch Ingresses without a class.
 */
final class IngressClassMatcher {

    static final String CLASS_ANNOTATION = "kubernetes.io/ingress.class";
    static final String DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class";

    private final ControllerSettings settings;
    private final Collection<IngressClass> classes;
    private final boolean ourClassIsDefault;

    IngressClassMatcher(ControllerSettings settings, ClusterState state) {
        this.settings = settings;
        this.classes = List.copyOf(state.<IngressClass>all(ResourceKind.INGRESS_CLASS));
        this.ourClassIsDefault = classes.stream().anyMatch(c -> isOurs(c) && isDefault(c));
    }

    boolean claims(Ingress ingress) {
        return whyNotOurs(ingress) == null;
    }

    /** {@code null} when the Ingress is ours, else why not, for the operator who wonders. */
    String whyNotOurs(Ingress ingress) {
        String className = ingress.getSpec() == null ? null : ingress.getSpec().getIngressClassName();
        if (className != null && !className.isEmpty()) {
            IngressClass named = classes.stream().filter(c -> className.equals(c.getMetadata().getName()))
                    .findFirst().orElse(null);
            if (named == null) {
                // the class Caravan is started for, not created yet: the usual first stumble
                return "its ingressClassName " + className + " names no IngressClass" + (className.equals(
                        settings.ingressClass()) ? " (create it, with spec.controller " + settings.controllerClass()
                                + ", as examples/ingress-class.yaml does)" : "");
            }
            return isOurs(named) ? null : "its IngressClass " + className + " is for controller "
                    + (named.getSpec() == null ? "(none)" : named.getSpec().getController()) + ", not "
                    + settings.controllerClass();
        }
        Map<String, String> annotations = ingress.getMetadata().getAnnotations();
        String legacyClass = annotations == null ? null : annotations.get(CLASS_ANNOTATION);
        if (legacyClass != null && !legacyClass.isEmpty()) {
            return legacyClass.equals(settings.ingressClass()) ? null
                    : "its " + CLASS_ANNOTATION + " is " + legacyClass + ", not " + settings.ingressClass();
        }
        return settings.watchIngressWithoutClass() || ourClassIsDefault ? null
                : "it names no class, and no IngressClass of ours is the default (see --watch-ingress-without-class)";
    }

    private boolean isOurs(IngressClass ingressClass) {
        return ingressClass.getSpec() != null && settings.controllerClass().equals(ingressClass.getSpec().getController());
    }

    private static boolean isDefault(IngressClass ingressClass) {
        Map<String, String> annotations = ingressClass.getMetadata().getAnnotations();
        return annotations != null && "true".equals(annotations.get(DEFAULT_CLASS_ANNOTATION));
    }
}

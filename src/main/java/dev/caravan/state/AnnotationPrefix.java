package dev.caravan.state;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * ingress-nginx's {@code --annotations-prefix}: a controller whose Ingresses write their annotations
 * {@code custom.example.com/rewrite-target} reads those, and not the {@code nginx.ingress.kubernetes.io/} ones. An
 * Ingress is read with its annotations of that prefix under the usual one, so that everything past this reads one name.
 */
public final class AnnotationPrefix implements UnaryOperator<HasMetadata> {

    /** ingress-nginx's default, the names Caravan reads. */
    public static final String DEFAULT = "nginx.ingress.kubernetes.io";

    private final String custom;

    /** @param prefix the prefix without its slash, as ingress-nginx's flag takes it */
    public AnnotationPrefix(String prefix) {
        this.custom = prefix + "/";
    }

    /** The prefix, without its slash. */
    public String prefix() {
        return custom.substring(0, custom.length() - 1);
    }

    /** The annotations of the usual prefix an object has, which are not read under this one. */
    public List<String> unread(HasMetadata object) {
        Map<String, String> annotations = object.getMetadata() == null ? null : object.getMetadata().getAnnotations();
        return annotations == null ? List.of()
                : annotations.keySet().stream().filter(name -> name.startsWith(DEFAULT + "/")).sorted().toList();
    }

    /** An Ingress as read under the prefix: a copy, its own annotations untouched; anything else as it is. */
    @Override
    public HasMetadata apply(HasMetadata object) {
        if (!(object instanceof Ingress ingress) || ingress.getMetadata() == null
                || ingress.getMetadata().getAnnotations() == null || ingress.getMetadata().getAnnotations().isEmpty()) {
            return object;
        }
        Map<String, String> read = new LinkedHashMap<>();
        ingress.getMetadata().getAnnotations().forEach((name, value) -> {
            if (name.startsWith(custom)) {
                read.put(DEFAULT + "/" + name.substring(custom.length()), value);
            } else if (!name.startsWith(DEFAULT + "/")) {
                // the usual prefix is not read under another, as ingress-nginx's controller does not read it
                read.putIfAbsent(name, value);
            }
        });
        return new IngressBuilder(ingress).editMetadata().withAnnotations(read).endMetadata().build();
    }
}

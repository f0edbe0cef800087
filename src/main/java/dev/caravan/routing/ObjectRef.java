package dev.caravan.routing;

/** A namespaced Kubernetes object name; {@code namespace} is empty for cluster-scoped objects. */
public record ObjectRef(String namespace, String name) implements Comparable<ObjectRef> {

    public static ObjectRef parse(String namespaceSlashName) {
        int slash = namespaceSlashName.indexOf('/');
        if (slash <= 0 || slash == namespaceSlashName.length() - 1 || namespaceSlashName.indexOf('/', slash + 1) >= 0) {
            throw new IllegalArgumentException("expected NAMESPACE/NAME, got '" + namespaceSlashName + "'");
        }
        return new ObjectRef(namespaceSlashName.substring(0, slash), namespaceSlashName.substring(slash + 1));
    }

    @Override
    public int compareTo(ObjectRef other) {
        int byNamespace = namespace.compareTo(other.namespace);
        return byNamespace != 0 ? byNamespace : name.compareTo(other.name);
    }

    @Override
    public String toString() {
        return namespace.isEmpty() ? name : namespace + "/" + name;
    }
}

package dev.caravan.routing;

/** Ingress v1 {@code pathType}. */
public enum PathType {
    EXACT("Exact"),
    PREFIX("Prefix"),
    IMPLEMENTATION_SPECIFIC("ImplementationSpecific");

    private final String apiName;

    PathType(String apiName) {
        this.apiName = apiName;
    }

    public String apiName() {
        return apiName;
    }

    /** The type for an API value, or {@code null} when the value is not one of the three. */
    public static PathType fromApiName(String value) {
        for (PathType type : values()) {
            if (type.apiName.equals(value)) {
                return type;
            }
        }
        return null;
    }
}

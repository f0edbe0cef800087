package dev.caravan.compile.annotation;

/**
 * What the parser found wrong with one annotation.
 *
 * @param annotation the full annotation name
 * @param kind       {@code UNSUPPORTED}: served without it; {@code REFUSED} and {@code INVALID}: not served
 */
public record AnnotationFinding(String annotation, Kind kind, String message) {

    public enum Kind { UNSUPPORTED, REFUSED, INVALID }

    /** Whether the Ingress cannot be served as it is. */
    public boolean blocking() {
        return kind != Kind.UNSUPPORTED;
    }

    @Override
    public String toString() {
        return annotation + ": " + message;
    }
}

package dev.caravan.compile.annotation;

/**
 * What the parser found wrong with one annotation.
 *
 * @param annotation the full annotation name
 * @param kind       {@code UNSUPPORTED}: served without it; {@code IGNORED}: an invalid value ingress-nginx passes over
 *                   too, served without it (or with its default); {@code REFUSED} and {@code INVALID}: not served
 */
public record AnnotationFinding(String annotation, Kind kind, String message) {

    public enum Kind { UNSUPPORTED, IGNORED, REFUSED, INVALID }

    /** Whether the Ingress cannot be served as it is. */
    public boolean blocking() {
        return kind == Kind.REFUSED || kind == Kind.INVALID;
    }

    @Override
    public String toString() {
        return annotation + ": " + message;
    }
}

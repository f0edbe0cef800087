package dev.caravan.compile;

/**
 * One entry of the compiled configuration that Ingresses contend for: a host's rules, a TLS host, a
 * passthrough host, a {@code proxy-ssl-secret}. Ingresses that touch the same key are compiled together,
 * since which of them wins it, and what the loser is told, depends on all of them.
 */
record TableKey(Kind kind, String name) {

    enum Kind {
        /** the rules of an exact host, by lower-case name */
        EXACT_HOST,
        /** the rules of a wildcard host, by the suffix after {@code "*."} */
        WILDCARD_HOST,
        /** the rules without a host; the name is empty */
        ANY_HOST,
        /** a host of {@code spec.tls}, by lower-case name (a wildcard keeps its {@code "*."}) */
        TLS_HOST,
        /** an {@code ssl-passthrough} host, by lower-case name */
        PASSTHROUGH_HOST,
        /** a Secret named by {@code proxy-ssl-secret}, as {@code namespace/name} */
        BACKEND_TLS_SECRET
    }

    static final TableKey ANY_HOST = new TableKey(Kind.ANY_HOST, "");
}

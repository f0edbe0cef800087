package dev.caravan.compile;

import dev.caravan.routing.ObjectRef;

/**
 * A host an Ingress terminates TLS for ({@code spec.tls}), with the Secret holding its certificate.
 *
 * @param host    lower case; {@code *.example.com} for a wildcard
 * @param secret  the {@code kubernetes.io/tls} Secret, or {@code null} for the default certificate
 *                (an entry without {@code secretName}, as ingress-nginx allows)
 * @param ingress the Ingress that names it (the oldest, when several do)
 */
public record TlsHost(String host, ObjectRef secret, ObjectRef ingress) {
}

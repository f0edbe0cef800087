package dev.caravan.compile;

import dev.caravan.routing.ObjectRef;
import java.util.Map;

/**
 * A host an Ingress terminates TLS for ({@code spec.tls}), with the Secret holding its certificate.
 *
 * @param host    lower case; {@code *.example.com} for a wildcard
 * @param secret  the TLS Secret, or {@code null} for the default certificate
 *                (an entry without {@code secretName}, as ingress-nginx allows)
 * @param ingress the Ingress that names it (the oldest, when several do)
 * @param alias   whether it is a {@code server-alias} taking its host's certificate: served only when that
 *                certificate is for the alias's name, and it does not make the name a TLS host (redirects, HSTS)
 */
public record TlsHost(String host, ObjectRef secret, ObjectRef ingress, boolean alias) {

    /** Whether {@code spec.tls} names {@code host}: an alias's borrowed certificate does not count. */
    static boolean named(Map<String, TlsHost> tls, String host) {
        TlsHost entry = tls.get(host);
        return entry != null && !entry.alias();
    }
}

package dev.caravan.admin;

import dev.caravan.collect.ShardedMap;
import dev.caravan.tls.CertificateStore;
import dev.caravan.tls.ServerCertificate;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;

/**
 * ingress-nginx's {@code nginx_ingress_controller_ssl_expire_time_seconds}: when each host's certificate expires, one
 * gauge per host that has a certificate of its own. Kept in step with the certificate store by its changes alone: a
 * host whose certificate is the one it had keeps its gauge, and an edit at 10,000 TLS hosts looks at the few shards
 * it changed, not at 10,000 hosts.
 */
final class CertificateExpiryGauges {

    private final MeterRegistry registry;
    private final String controllerClass;
    private final Map<String, Gauge> registered = new HashMap<>();
    private ShardedMap<String, ServerCertificate> registeredFor = ShardedMap.of();

    CertificateExpiryGauges(MeterRegistry registry, String controllerClass) {
        this.registry = registry;
        this.controllerClass = controllerClass;
    }

    /** Registers the gauges of hosts whose certificate is new, and removes those of hosts that have none now. */
    synchronized void update(CertificateStore certificates) {
        ShardedMap<String, ServerCertificate> now = certificates.byHost();
        now.forEachChangedKey(registeredFor, host -> {
            Gauge was = registered.remove(host);
            if (was != null) {
                registry.remove(was);
            }
            ServerCertificate certificate = now.get(host);
            if (certificate != null && certificate.secret() != null) {
                registered.put(host, Gauge.builder("nginx.ingress.controller.ssl.expire.time.seconds", certificate,
                                served -> served.notAfter().getEpochSecond())
                        .description("Number of seconds since 1970 to the SSL Certificate expire")
                        .tags("host", host, "secret_name", certificate.secret().name(),
                                "namespace", certificate.secret().namespace(), "class", controllerClass)
                        .strongReference(true).register(registry));
            }
        });
        registeredFor = now;
    }
}

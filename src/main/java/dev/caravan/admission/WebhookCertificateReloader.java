package dev.caravan.admission;

import dev.caravan.routing.ObjectRef;
import dev.caravan.tls.InvalidCertificateException;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every replica's part: reads the webhook's Secret (one GET by name, periodically: no watch, so RBAC can
 * name the one Secret) and serves its certificate from the next handshake on. A version of the Secret is
 * read once; one that cannot be served is reported and the certificate in use is kept.
 */
final class WebhookCertificateReloader {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookCertificateReloader.class);

    private final KubernetesClient client;
    private final ObjectRef secretRef;
    private final WebhookSecret reader;
    private final ServingCertificate serving;
    private final Clock clock;
    private String lastVersion;
    private boolean reportedMissing;

    WebhookCertificateReloader(KubernetesClient client, ObjectRef secretRef, WebhookSecret reader,
            ServingCertificate serving, Clock clock) {
        this.client = client;
        this.secretRef = secretRef;
        this.reader = reader;
        this.serving = serving;
        this.clock = clock;
    }

    /** Called from one timer route, never concurrently. */
    void reload() {
        Secret secret;
        try {
            secret = client.secrets().inNamespace(secretRef.namespace()).withName(secretRef.name()).get();
        } catch (KubernetesClientException e) {
            LOG.warn("Admission webhook: cannot read Secret {} ({}); serving the certificate in use", secretRef,
                    e.getMessage());
            return;
        }
        if (secret == null) {
            if (!reportedMissing) {
                reportedMissing = true;
                LOG.info("Admission webhook: Secret {} does not exist yet (the leader makes it); serving a"
                        + " self-made certificate the API server does not trust, so it lets requests through", secretRef);
            }
            return;
        }
        reportedMissing = false;
        String version = secret.getMetadata().getResourceVersion();
        if (version != null && Objects.equals(version, lastVersion)) {
            return;
        }
        lastVersion = version;
        try {
            WebhookSecret.Contents contents = reader.read(secret, clock.instant());
            serving.install(contents.certificate());
            LOG.info("Admission webhook: serving the certificate of Secret {} (valid until {})", secretRef,
                    contents.certificate().notAfter());
        } catch (InvalidCertificateException e) {
            LOG.warn("Admission webhook: Secret {} cannot be served: {}; serving the certificate in use", secretRef,
                    e.getMessage());
        }
    }
}

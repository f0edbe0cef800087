package dev.caravan.admission;

import dev.caravan.routing.ObjectRef;
import dev.caravan.tls.InvalidCertificateException;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's part: keeps the webhook's Secret servable (creates it when missing, replaces it when it
 * cannot be served or expires within {@link WebhookSecret#RENEW_BEFORE}), and keeps the {@code caBundle}
 * of every webhook of the ValidatingWebhookConfiguration equal to the Secret's CA. Runs on a
 * {@code master:} route, so two replicas never race to make a Secret; should they anyway (a lease
 * changing hands), the API server's conflict answer stops the second, and the next run reads the first's.
 */
final class WebhookCertificateIssuer {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookCertificateIssuer.class);

    private final KubernetesClient client;
    private final ObjectRef secretRef;
    private final String configurationName;
    private final WebhookSecret reader;
    private final Clock clock;
    private boolean reportedNoConfiguration;

    WebhookCertificateIssuer(KubernetesClient client, ObjectRef secretRef, String configurationName,
            WebhookSecret reader, Clock clock) {
        this.client = client;
        this.secretRef = secretRef;
        this.configurationName = configurationName;
        this.reader = reader;
        this.clock = clock;
    }

    /** Called from one timer route, on the leader, never concurrently. */
    void ensure() {
        try {
            String caPem = ensureSecret();
            ensureCaBundle(WebhookKeyMaterial.base64(caPem));
        } catch (KubernetesClientException e) {
            LOG.warn("Admission webhook: could not bring Secret {} and ValidatingWebhookConfiguration {} up to date"
                    + " ({}); will retry", secretRef, configurationName, e.getMessage());
        }
    }

    /** The CA of a servable Secret, made now if there was none. */
    private String ensureSecret() {
        Resource<Secret> resource = client.secrets().inNamespace(secretRef.namespace()).withName(secretRef.name());
        Secret existing = resource.get();
        Instant now = clock.instant();
        String replacing = null;
        if (existing != null) {
            try {
                WebhookSecret.Contents contents = reader.read(existing, now);
                if (!contents.renewDue(now)) {
                    return contents.caPem();
                }
                replacing = "it expires on " + contents.certificate().notAfter();
            } catch (InvalidCertificateException e) {
                replacing = e.getMessage();
            }
        }
        WebhookKeyMaterial material = WebhookCertificateAuthority.issue(reader.dnsNames(), now);
        Secret made = material.toSecret(secretRef.namespace(), secretRef.name());
        if (existing == null) {
            client.resource(made).create();
            LOG.info("Admission webhook: created Secret {} with a new CA and a certificate for {}", secretRef,
                    String.join(", ", reader.dnsNames()));
        } else {
            // the version read: a Secret changed meanwhile by someone else is not overwritten (409, retried)
            made.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
            client.resource(made).update();
            LOG.info("Admission webhook: replaced Secret {} ({}) with a new CA and certificate", secretRef, replacing);
        }
        return material.caPem();
    }

    private void ensureCaBundle(String caBundle) {
        Resource<ValidatingWebhookConfiguration> resource = client.admissionRegistration().v1()
                .validatingWebhookConfigurations().withName(configurationName);
        ValidatingWebhookConfiguration configuration = resource.get();
        if (configuration == null) {
            if (!reportedNoConfiguration) {
                reportedNoConfiguration = true;
                LOG.warn("Admission webhook: ValidatingWebhookConfiguration {} does not exist; the API server does"
                        + " not call the webhook until it does", configurationName);
            }
            return;
        }
        reportedNoConfiguration = false;
        List<ValidatingWebhook> webhooks = configuration.getWebhooks() == null ? List.of() : configuration.getWebhooks();
        if (webhooks.stream().filter(webhook -> webhook.getClientConfig() != null)
                .allMatch(webhook -> caBundle.equals(webhook.getClientConfig().getCaBundle()))) {
            return;
        }
        resource.edit(latest -> {
            latest.getWebhooks().stream().filter(webhook -> webhook.getClientConfig() != null)
                    .forEach(webhook -> webhook.getClientConfig().setCaBundle(caBundle));
            return latest;
        });
        LOG.info("Admission webhook: caBundle of ValidatingWebhookConfiguration {} set to the CA of Secret {}",
                configurationName, secretRef);
    }
}

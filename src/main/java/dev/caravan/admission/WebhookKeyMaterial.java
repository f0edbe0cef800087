package dev.caravan.admission;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The webhook's PEM texts: the CA the API server trusts ({@code caBundle}), and the serving certificate
 * and key that CA signed, as the {@code kubernetes.io/tls} Secret holds them.
 */
record WebhookKeyMaterial(String caPem, String certificatePem, String keyPem) {

    static final String CA_KEY = "ca.crt";
    static final String TLS_TYPE = "kubernetes.io/tls";

    /** The Secret holding it: {@code tls.crt}, {@code tls.key} and {@code ca.crt}. */
    Secret toSecret(String namespace, String name) {
        return new SecretBuilder().withNewMetadata().withNamespace(namespace).withName(name)
                .addToLabels("app.kubernetes.io/name", "caravan").endMetadata()
                .withType(TLS_TYPE)
                .addToData("tls.crt", base64(certificatePem))
                .addToData("tls.key", base64(keyPem))
                .addToData(CA_KEY, base64(caPem))
                .build();
    }

    /** The CA as a ValidatingWebhookConfiguration's {@code caBundle} wants it: base64 of the PEM. */
    String caBundle() {
        return base64(caPem);
    }

    static String base64(String pem) {
        return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
    }
}

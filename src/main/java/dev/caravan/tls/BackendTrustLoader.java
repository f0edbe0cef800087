package dev.caravan.tls;

import dev.caravan.compile.Compilation;
import dev.caravan.compile.CompilationListener;
import dev.caravan.compile.Problem;
import dev.caravan.routing.ObjectRef;
import dev.caravan.state.ClusterState;
import dev.caravan.state.ResourceKind;
import dev.caravan.upstream.BackendTrust;
import io.fabric8.kubernetes.api.model.Secret;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLException;

/**
 * Turns the Secrets named by {@code proxy-ssl-secret} into TLS client contexts for HTTPS pods: the CAs
 * of {@code ca.crt} to verify them with, and the client certificate of {@code tls.crt}/{@code tls.key}
 * to present, when there is one. A Secret that is missing or unusable is reported on the Ingress that
 * names it; requests that need it get 502 rather than an unauthenticated connection.
 */
public final class BackendTrustLoader implements CompilationListener {

    private final BackendTrust trust;
    private Map<Secret, Object> parsed = new IdentityHashMap<>();

    public BackendTrustLoader(BackendTrust trust) {
        this.trust = trust;
    }

    @Override
    public List<Problem> compiled(ClusterState state, Compilation compilation) {
        Map<Secret, Object> seen = new IdentityHashMap<>();
        Map<ObjectRef, BackendTrust.SecretContexts> contexts = new HashMap<>();
        List<Problem> problems = new ArrayList<>();
        compilation.backendTlsSecrets().forEach((ref, ingress) -> {
            Secret secret = state.get(ResourceKind.SECRET, ref);
            if (secret == null) {
                problems.add(Problem.warning(ingress, Problem.SECRET_NOT_FOUND, "proxy-ssl-secret " + ref
                        + " does not exist; its pods get no"
                        + " requests (502)"));
                return;
            }
            Object outcome = seen.computeIfAbsent(secret, s -> parsed.containsKey(s) ? parsed.get(s) : read(s));
            if (outcome instanceof BackendTrust.SecretContexts usable) {
                contexts.put(ref, usable);
            } else {
                problems.add(Problem.warning(ingress, Problem.INVALID_CERTIFICATE, "proxy-ssl-secret " + ref + ": "
                        + outcome + "; its pods get no requests (502)"));
            }
        });
        trust.update(contexts);
        parsed = seen;
        return problems;
    }

    /** The Secret's contexts, or why there are none. */
    private static Object read(Secret secret) {
        try {
            TlsSecretReader.checkType(secret);
            boolean hasCa = has(secret, "ca.crt");
            boolean hasClient = has(secret, "tls.crt") || has(secret, "tls.key");
            if (!hasCa && !hasClient) {
                return "has neither ca.crt nor tls.crt and tls.key";
            }
            List<X509Certificate> authorities = hasCa
                    ? TlsSecretReader.certificates("ca.crt", TlsSecretReader.field(secret, "ca.crt")) : null;
            List<X509Certificate> chain = null;
            PrivateKey key = null;
            if (hasClient) {
                chain = TlsSecretReader.certificates("tls.crt", TlsSecretReader.field(secret, "tls.crt"));
                key = TlsSecretReader.privateKey(TlsSecretReader.field(secret, "tls.key"));
                TlsSecretReader.checkKeyMatches(key, chain.get(0));
            }
            SslContextBuilder encrypting = SslContextBuilder.forClient()
                    .trustManager(InsecureTrustManagerFactory.INSTANCE).protocols("TLSv1.3", "TLSv1.2");
            if (key != null) {
                encrypting.keyManager(key, chain.toArray(X509Certificate[]::new)).keyStoreType(TlsSettings.KEY_STORE_TYPE);
            }
            return new BackendTrust.SecretContexts(authorities == null ? null : new BackendTrust.VerifyingContexts(
                    authorities, key, chain, TlsSettings.KEY_STORE_TYPE), BackendTrust.Contexts.of(encrypting));
        } catch (InvalidCertificateException | SSLException e) {
            return e.getMessage();
        }
    }

    /** Whether a field has content: a kubernetes.io/tls Secret holding only a CA must still carry empty tls.* keys. */
    private static boolean has(Secret secret, String field) {
        return secret.getStringData() != null && !isBlank(secret.getStringData().get(field))
                || secret.getData() != null && !isBlank(secret.getData().get(field));
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }
}

package dev.caravan.tls;

import dev.caravan.auth.ClientCertificateAuthority;
import io.netty.handler.ssl.SslContext;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One certificate's server contexts for the hosts that ask clients for certificates: one per set of authorities,
 * made for the first handshake that needs it and let go with those authorities, once no routing table holds them.
 */
public final class AskingContexts {

    private static final Logger LOG = LoggerFactory.getLogger(AskingContexts.class);

    private final TlsSettings settings;
    private final PrivateKey key;
    private final List<X509Certificate> chain;
    private final Map<ClientCertificateAuthority, CompletableFuture<SslContext>> byAuthority = new WeakHashMap<>();

    public AskingContexts(TlsSettings settings, PrivateKey key, List<X509Certificate> chain) {
        this.settings = settings;
        this.key = key;
        this.chain = List.copyOf(chain);
    }

    /**
     * The context asking for certificates of {@code authority}; the first handshake to need it has it made off the
     * event loops (a context takes a millisecond or more). It is {@code null} when it cannot be made (logged once),
     * and the plain context is to ask instead.
     */
    public synchronized CompletableFuture<SslContext> contextFor(ClientCertificateAuthority authority) {
        // the task holds the certificates, not the authority: the authority is let go when no table holds it
        List<X509Certificate> named = authority.authorities();
        return byAuthority.computeIfAbsent(authority, absent -> CompletableFuture.supplyAsync(() -> make(named)));
    }

    private SslContext make(List<X509Certificate> authorities) {
        try {
            return settings.askingServerContext(key, chain, authorities);
        } catch (SSLException | RuntimeException e) {
            // handshakes still ask, without naming the authorities: a client offers whichever certificate it has
            LOG.warn("certificate {}: cannot name the authorities of client certificates in its handshakes: {}",
                    chain.get(0).getSubjectX500Principal(), e.getMessage());
            return null;
        }
    }
}

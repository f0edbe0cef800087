package dev.caravan.upstream;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * {@code proxy-ssl-verify} with nginx's {@code proxy_ssl_verify_depth}: a pod's certificate must chain to one of the
 * authorities through at most {@code depth} intermediates (OpenSSL's verify depth; 1 by default, as ingress-nginx).
 * The JDK's PKIX trust does the verification, and the name check when the engine asks for one; the depth is counted
 * on the chain the pod presented, up to the first certificate an authority issued.
 */
final class DepthLimitedTrust extends X509ExtendedTrustManager {

    private final X509ExtendedTrustManager pkix;
    private final List<X509Certificate> authorities;
    private final int depth;

    DepthLimitedTrust(List<X509Certificate> authorities, int depth) throws GeneralSecurityException {
        this.authorities = List.copyOf(authorities);
        this.depth = depth;
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            store.load(null, null);
        } catch (java.io.IOException impossible) {
            throw new GeneralSecurityException(impossible);
        }
        for (int i = 0; i < authorities.size(); i++) {
            store.setCertificateEntry("authority-" + i, authorities.get(i));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
        factory.init(store);
        X509ExtendedTrustManager found = null;
        for (TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509ExtendedTrustManager extended) {
                found = extended;
            }
        }
        if (found == null) {
            throw new GeneralSecurityException("no PKIX trust manager");
        }
        pkix = found;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        pkix.checkServerTrusted(chain, authType, engine);
        checkDepth(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        pkix.checkServerTrusted(chain, authType, socket);
        checkDepth(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pkix.checkServerTrusted(chain, authType);
        checkDepth(chain);
    }

    private void checkDepth(X509Certificate[] chain) throws CertificateException {
        int intermediates = intermediates(chain);
        if (intermediates > depth) {
            throw new CertificateException("the pod's certificate is " + intermediates + " intermediates from ca.crt,"
                    + " more than proxy-ssl-verify-depth " + depth);
        }
    }

    /** How many certificates stand between the pod's and the first one an authority issued, as presented. */
    private int intermediates(X509Certificate[] chain) {
        for (int i = 0; i < chain.length; i++) {
            if (issuedByAnAuthority(chain[i])) {
                return i;
            }
        }
        // verified by a path the presented order does not show: counted as all it presented
        return chain.length - 1;
    }

    private boolean issuedByAnAuthority(X509Certificate certificate) {
        for (X509Certificate authority : authorities) {
            if (authority.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())) {
                try {
                    certificate.verify(authority.getPublicKey());
                    return true;
                } catch (GeneralSecurityException otherKey) {
                    // another authority of the same name
                }
            }
        }
        return false;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("a client's trust");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("a client's trust");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a client's trust");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return authorities.toArray(X509Certificate[]::new);
    }
}

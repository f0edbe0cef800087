package dev.caravan.upstream;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * {@code proxy-ssl-verify} with nginx's {@code proxy_ssl_verify_depth}: a pod's certificate must chain to one of the
 * authorities through at most {@code depth} intermediates (OpenSSL's verify depth; 1 by default, as ingress-nginx).
 * The JDK's PKIX trust does the verification, and the name check when the engine asks for one; the depth is counted
 * on the chain the pod presented, along its issuers (in whatever order it sent them), to the nearest certificate of
 * {@code ca.crt}: a ca.crt intermediate counts as an authority, as the JDK trusts it as one.
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
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
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

    /**
     * The fewest presented certificates that stand between the pod's and one an authority issued, following issuers
     * breadth first; all it presented but its own when no such path is among them (it verified by one the JDK built).
     */
    private int intermediates(X509Certificate[] chain) {
        if (authorities.contains(chain[0])) {
            return 0;
        }
        List<X509Certificate> level = List.of(chain[0]);
        boolean[] used = new boolean[chain.length];
        used[0] = true;
        for (int count = 0; !level.isEmpty(); count++) {
            List<X509Certificate> next = new ArrayList<>();
            for (X509Certificate certificate : level) {
                if (issuedByAnAuthority(certificate)) {
                    return count;
                }
                for (int i = 1; i < chain.length; i++) {
                    if (!used[i] && issued(chain[i], certificate)) {
                        used[i] = true;
                        next.add(chain[i]);
                    }
                }
            }
            level = next;
        }
        return chain.length - 1;
    }

    private static boolean issued(X509Certificate issuer, X509Certificate certificate) {
        if (!issuer.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())) {
            return false;
        }
        try {
            certificate.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException otherKey) {
            return false;
        }
    }

    private boolean issuedByAnAuthority(X509Certificate certificate) {
        for (X509Certificate authority : authorities) {
            if (issued(authority, certificate)) {
                return true;
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

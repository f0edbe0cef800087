package dev.caravan.testing;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;
import javax.security.auth.x500.X500Principal;

/**
 * A client's keys that present their certificate whatever authorities the server names, as curl and openssl do, and
 * that keep the names each server's CertificateRequest gave.
 */
public final class PresentingKeyManager extends X509ExtendedKeyManager {

    private final X509KeyManager keys;
    private final List<List<String>> named = new CopyOnWriteArrayList<>();

    public PresentingKeyManager(X509KeyManager keys) {
        this.keys = keys;
    }

    /** The authorities each certificate request named, one list per request, in RFC 2253 form. */
    public List<List<String>> named() {
        return List.copyOf(named);
    }

    private void asked(Principal[] issuers) {
        named.add(issuers == null ? List.of() : Arrays.stream(issuers)
                .map(issuer -> ((X500Principal) issuer).getName()).toList());
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        asked(issuers);
        return keys.chooseClientAlias(keyType, null, socket);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        asked(issuers);
        return keys.chooseClientAlias(keyType, null, null);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return keys.getClientAliases(keyType, null);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return keys.getServerAliases(keyType, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return keys.chooseServerAlias(keyType, issuers, socket);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return keys.getCertificateChain(alias);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return keys.getPrivateKey(alias);
    }
}

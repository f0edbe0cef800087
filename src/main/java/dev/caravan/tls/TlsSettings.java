package dev.caravan.tls;

import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * How the HTTPS listener speaks TLS: protocol versions, cipher suites and ALPN, the same for every
 * certificate.
 *
 * @param protocols TLS versions offered (ingress-nginx's default: TLS 1.2 and 1.3)
 * @param ciphers   TLS 1.2 cipher suites in order of preference, IANA names (TLS 1.3 suites are all kept)
 * @param http2     whether {@code h2} is offered by ALPN besides {@code http/1.1}
 */
public record TlsSettings(List<String> protocols, List<String> ciphers, boolean http2) {

    public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /** Forward-secret AEAD suites only: what HTTP/2 (RFC 7540 §9.2.2) and Mozilla's intermediate profile allow. */
    public static final List<String> DEFAULT_CIPHERS = List.copyOf(Http2SecurityUtil.CIPHERS);

    /** TLS 1.3's suites: all AEAD, none weak; kept whatever TLS 1.2 list is configured. */
    private static final List<String> TLS13_CIPHERS = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256");

    /**
     * BoringSSL (netty-tcnative) when its native library loads: handshakes and encryption in C, with less
     * garbage than the JDK's engine; the JDK's TLS where it does not (other platforms).
     */
    private static final SslProvider SERVER_PROVIDER = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;

    /**
     * The key store a context's key passes through on its way in. PKCS#12, Netty's default, encrypts the key there
     * and decrypts it again with 10,000 rounds of PBKDF2 each way: a context took 10 ms of a core, 100 s for 10,000
     * TLS Secrets. JKS's protection of it takes a few microseconds. A JVM without JKS (FIPS-restricted ones) keeps
     * its own default.
     */
    static final String KEY_STORE_TYPE = keyStoreType();

    public TlsSettings {
        protocols = List.copyOf(protocols);
        ciphers = List.copyOf(ciphers);
    }

    /**
     * Whether the server's TLS library offers a cipher suite (an IANA name). One it does not is left out of a context
     * silently; a list of none but those would leave the library's own defaults, weak suites among them.
     */
    public static boolean offers(String cipher) {
        if (SERVER_PROVIDER == SslProvider.OPENSSL) {
            // Java's (IANA) names: an OpenSSL name is accepted by the library, and then dropped by the context's filter
            return OpenSsl.availableJavaCipherSuites().contains(cipher);
        }
        try {
            return List.of(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites()).contains(cipher);
        } catch (NoSuchAlgorithmException e) {
            return false;
        }
    }

    public static TlsSettings defaults() {
        return new TlsSettings(DEFAULT_PROTOCOLS, DEFAULT_CIPHERS, true);
    }

    private static String keyStoreType() {
        try {
            KeyStore.getInstance("JKS");
            return "JKS";
        } catch (KeyStoreException unavailable) {
            return KeyStore.getDefaultType();
        }
    }

    private List<String> withTls13() {
        if (!protocols.contains("TLSv1.3")) {
            return ciphers;
        }
        List<String> all = new ArrayList<>(ciphers);
        TLS13_CIPHERS.stream().filter(cipher -> !all.contains(cipher)).forEach(all::add);
        return all;
    }

    /** A server context for one certificate chain under these settings, asking clients for no certificate. */
    public SslContext serverContext(PrivateKey key, List<X509Certificate> chain) throws SSLException {
        // a client certificate, where a host asks for one on this context (the gateway's fallback when the host's
        // authorities cannot be read), is taken whatever it is
        return builder(key, chain).trustManager(InsecureTrustManagerFactory.INSTANCE).build();
    }

    /**
     * A server context for one certificate chain under these settings, for hosts that ask clients for certificates of
     * {@code authorities}: its handshakes ask for one and name those authorities, and take whatever is sent, which
     * the gateway checks per request, as nginx does. A context of its own also keeps its TLS sessions apart: a
     * client cannot resume, without a certificate, a session from a host that asked for none.
     */
    public SslContext askingServerContext(PrivateKey key, List<X509Certificate> chain,
            List<X509Certificate> authorities) throws SSLException {
        return builder(key, chain).trustManager(new NamingTrustManager(authorities)).clientAuth(ClientAuth.OPTIONAL)
                .build();
    }

    private SslContextBuilder builder(PrivateKey key, List<X509Certificate> chain) {
        List<String> alpn = http2 ? List.of(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1)
                : List.of(ApplicationProtocolNames.HTTP_1_1);
        return SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new))
                .sslProvider(SERVER_PROVIDER)
                .keyStoreType(KEY_STORE_TYPE)
                .protocols(protocols)
                .ciphers(withTls13(), SupportedCipherSuiteFilter.INSTANCE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn));
    }
}

package dev.caravan.gateway;

import dev.caravan.routing.BoundedInput;
import dev.caravan.routing.PercentEncoding;
import dev.caravan.routing.RoutePolicy;
import dev.caravan.routing.RoutingTable;
import dev.caravan.upstream.UnderscoredHeaders;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AsciiString;
import io.netty.util.AttributeKey;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.security.auth.x500.X500Principal;

/**
 * Client certificate authentication ({@code auth-tls-*}) of one request, as nginx's {@code ssl_verify_client} and
 * ingress-nginx's headers: the connection's certificate, checked once per connection against the host's
 * authorities, lets the request on with {@code ssl-client-verify}, {@code ssl-client-subject-dn},
 * {@code ssl-client-issuer-dn} (and {@code ssl-client-cert}) for the pod, or answers it: 400 (or a redirect to the
 * error page) without a good certificate, 403 when the subject does not match, 421 when the connection's handshake
 * asked for none or was for a host that asks for other certificates. A change of what the host asks for applies to
 * open connections: their certificate is checked again. Plain HTTP has no certificate.
 */
final class ClientCertificateCheck {

    /** Set by {@link TlsRouter} when a connection's handshake asked for a client certificate. */
    static final AttributeKey<Handshake> HANDSHAKE = AttributeKey.valueOf("caravan.client-certificate-handshake");
    private static final AttributeKey<Verified> VERIFIED = AttributeKey.valueOf("caravan.client-certificate");

    static final AsciiString VERIFY = AsciiString.cached("ssl-client-verify");
    static final AsciiString SUBJECT = AsciiString.cached("ssl-client-subject-dn");
    static final AsciiString ISSUER = AsciiString.cached("ssl-client-issuer-dn");
    static final AsciiString CERTIFICATE = AsciiString.cached("ssl-client-cert");
    private static final String NONE = "NONE";
    private static final Map<String, String> OPENSSL_NAMES = Map.ofEntries(Map.entry("1.2.840.113549.1.9.1",
            "emailAddress"), Map.entry("2.5.4.5", "serialNumber"), Map.entry("2.5.4.12", "title"),
            Map.entry("2.5.4.42", "GN"), Map.entry("2.5.4.4", "SN"), Map.entry("2.5.4.43", "initials"),
            Map.entry("2.5.4.44", "generationQualifier"), Map.entry("2.5.4.46", "dnQualifier"),
            Map.entry("2.5.4.65", "pseudonym"), Map.entry("2.5.4.15", "businessCategory"),
            Map.entry("2.5.4.17", "postalCode"), Map.entry("2.5.4.41", "name"));

    /** A handshake that asked for a certificate: for the host of {@code serverName}, which asked for {@code asked}. */
    record Handshake(String serverName, RoutePolicy.ClientCertificates asked) {
    }

    /**
     * A connection's certificate as checked against one host's authorities.
     *
     * @param verify  {@code SUCCESS}, {@code FAILED:reason} or {@code NONE}, as nginx's {@code $ssl_client_verify}
     * @param subject the certificate's subject as RFC 2253 writes it, or {@code null} without a certificate
     * @param issuer  its issuer, the same way
     * @param escaped the certificate as URL-escaped PEM, when the host passes it on, else {@code null}
     */
    private record Verified(RoutePolicy.ClientCertificates against, String verify, String subject, String issuer,
            String escaped) {
    }

    private ClientCertificateCheck() {
    }

    /**
     * Checks a request to a host that asks for {@code certificates}; on the way the client's own {@code ssl-client-*}
     * headers are replaced by Caravan's.
     *
     * @param connection the client's connection (an HTTP/2 stream's parent)
     * @param host       the request's host
     * @return the answer, or {@code null} to let the request on
     */
    static FullHttpResponse check(RoutePolicy.ClientCertificates certificates, Channel connection, boolean https,
            String host, HttpHeaders headers, boolean keepAlive, boolean head) {
        removeClientsOwn(headers);
        if (certificates.authority() == null) {
            // as ingress-nginx: authorities that cannot be read refuse the whole host rather than let it in unchecked
            return LocalResponses.of(HttpResponseStatus.FORBIDDEN, "the host's client certificate authorities"
                    + " (auth-tls-secret) cannot be read", keepAlive, head);
        }
        if (!certificates.verify().asks()) {
            headers.set(VERIFY, NONE);
            return null;
        }
        Handshake handshake = https ? connection.attr(HANDSHAKE).get() : null;
        if (https && handshake == null) {
            // the handshake asked for no certificate (another host's, or before this host asked): a client opens a
            // new connection on 421, as nginx answers a request for a host that asks on another host's connection
            return LocalResponses.of(HttpResponseStatus.MISDIRECTED_REQUEST, "this connection's TLS handshake asked"
                    + " for no client certificate; connect again, with this host's name by SNI", keepAlive, head);
        }
        if (https && handshake.asked() != certificates && !certificates.equals(handshake.asked())
                && !(handshake.serverName() != null
                        && RoutingTable.normalizeHost(handshake.serverName()).equals(RoutingTable.normalizeHost(host)))) {
            return LocalResponses.of(HttpResponseStatus.MISDIRECTED_REQUEST, "this connection's TLS handshake was for"
                    + " another host, which asks for other client certificates; connect with this host's name by SNI",
                    keepAlive, head);
        }
        Verified verified = https ? verified(certificates, connection) : new Verified(certificates, NONE, null, null,
                null);
        boolean none = verified.verify().equals(NONE);
        boolean good = verified.verify().equals("SUCCESS");
        RoutePolicy.ClientCertificates.Verify mode = certificates.verify();
        if (none && mode == RoutePolicy.ClientCertificates.Verify.ON
                || !none && !good && mode != RoutePolicy.ClientCertificates.Verify.OPTIONAL_NO_CA) {
            if (certificates.errorPage() != null) {
                return LocalResponses.redirect(HttpResponseStatus.FOUND, certificates.errorPage(), keepAlive, head);
            }
            return LocalResponses.of(HttpResponseStatus.BAD_REQUEST, none ? "no required SSL certificate was sent"
                    : "the SSL certificate error", keepAlive, head);
        }
        if (certificates.matchSubject() != null && !matches(certificates, verified.subject())) {
            return LocalResponses.of(HttpResponseStatus.FORBIDDEN, "client certificate unauthorized", keepAlive, head);
        }
        headers.set(VERIFY, verified.verify());
        if (verified.subject() != null) {
            headers.set(SUBJECT, verified.subject());
            headers.set(ISSUER, verified.issuer());
        }
        if (verified.escaped() != null) {
            headers.set(CERTIFICATE, verified.escaped());
        }
        return null;
    }

    /**
     * The client's own ssl-client-* headers, in any case, and spelt with underscores too: nginx drops such names by
     * default, and a CGI-style server (PHP, WSGI) reads {@code ssl_client_verify} as {@code ssl-client-verify}.
     */
    private static void removeClientsOwn(HttpHeaders headers) {
        headers.remove(VERIFY).remove(SUBJECT).remove(ISSUER).remove(CERTIFICATE);
        UnderscoredHeaders.drop(headers, ClientCertificateCheck::isOurs);
    }

    private static boolean isOurs(String name) {
        return VERIFY.contentEqualsIgnoreCase(name) || SUBJECT.contentEqualsIgnoreCase(name)
                || ISSUER.contentEqualsIgnoreCase(name) || CERTIFICATE.contentEqualsIgnoreCase(name);
    }

    private static boolean matches(RoutePolicy.ClientCertificates certificates, String subject) {
        try {
            return certificates.matchSubject().matcher(new BoundedInput(subject == null ? "" : subject)).find();
        } catch (BoundedInput.Exhausted tooCostly) {
            return false;
        }
    }

    /** The connection's certificate against these authorities: checked on the connection's first such request. */
    private static Verified verified(RoutePolicy.ClientCertificates certificates, Channel connection) {
        Verified cached = connection.attr(VERIFIED).get();
        if (cached != null && (cached.against() == certificates || cached.against().equals(certificates))) {
            return cached;
        }
        Verified verified;
        try {
            verified = verify(certificates, peerChain(connection));
        } catch (RuntimeException unreadable) {
            // a certificate the TLS library took but the JDK cannot read: a bad certificate, never a crash
            verified = new Verified(certificates, "FAILED:unable to decode the certificate", null, null, null);
        }
        connection.attr(VERIFIED).set(verified);
        return verified;
    }

    private static List<X509Certificate> peerChain(Channel connection) {
        SslHandler tls = connection.pipeline().get(SslHandler.class);
        List<X509Certificate> chain = new ArrayList<>();
        if (tls != null) {
            try {
                for (Certificate certificate : tls.engine().getSession().getPeerCertificates()) {
                    if (certificate instanceof X509Certificate x509) {
                        chain.add(x509);
                    }
                }
            } catch (SSLPeerUnverifiedException noCertificate) {
                // the client sent none
            }
        }
        return chain;
    }

    private static Verified verify(RoutePolicy.ClientCertificates certificates, List<X509Certificate> chain) {
        if (chain.isEmpty()) {
            return new Verified(certificates, NONE, null, null, null);
        }
        X509Certificate client = chain.get(0);
        String failure = certificates.authority().verify(chain, certificates.depth(), new Date());
        return new Verified(certificates, failure == null ? "SUCCESS" : "FAILED:" + failure,
                distinguishedName(client.getSubjectX500Principal()), distinguishedName(client.getIssuerX500Principal()),
                certificates.passCertificate() ? PercentEncoding.component(pem(client)) : null);
    }

    /**
     * As nginx's {@code $ssl_client_s_dn}: RFC 2253, with OpenSSL's names for the attributes the JDK writes as OIDs,
     * and what a header cannot carry escaped as \XX per byte.
     */
    private static String distinguishedName(X500Principal name) {
        String text = name.getName(X500Principal.RFC2253, OPENSSL_NAMES);
        StringBuilder ascii = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                ascii.append(c);
            } else {
                int end = Character.isHighSurrogate(c) && i + 1 < text.length() ? i + 2 : i + 1;
                for (byte b : text.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                    ascii.append('\\').append(String.format("%02X", b & 0xff));
                }
                i = end - 1;
            }
        }
        return ascii.toString();
    }

    private static String pem(X509Certificate certificate) {
        try {
            return "-----BEGIN CERTIFICATE-----\n"
                    + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(certificate.getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
        } catch (CertificateEncodingException e) {
            return "";
        }
    }
}

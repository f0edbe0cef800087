package dev.caravan.gateway;

import java.time.Duration;

/**
 * One listener's socket and HTTP limits; defaults follow ingress-nginx's.
 *
 * @param maxInitialLineLength the request line (longer gets 414; nginx: 8 KiB buffers)
 * @param maxHeaderSize        the whole header section (larger gets 431; nginx: 4 × 8 KiB)
 * @param keepAliveTimeout     how long an idle client connection stays open (nginx {@code keep-alive}, 75 s)
 * @param clientHeaderTimeout  how long a request head may take to arrive (nginx {@code client-header-timeout}, 60 s)
 * @param clientBodyTimeout    how long a request body may stop arriving (nginx {@code client-body-timeout}, 60 s)
 * @param clientSendTimeout    how long a client may take nothing of a response it has pending (nginx
 *                             {@code send_timeout}, 60 s)
 * @param maxCamelBodySize     the largest body a request served by a Camel route may have (nginx: 1 MiB)
 * @param maxBodySize          the largest request body proxied to pods unless a route says otherwise (0: none)
 * @param httpsRedirectPort    the port clients reach HTTPS on: in HTTPS redirects' Location (443 is left out, as
 *                             ingress-nginx), and the HTTPS listener's {@code X-Forwarded-Port}
 * @param hsts                 the {@code Strict-Transport-Security} value sent over HTTPS for hosts with TLS,
 *                             or {@code null} for none
 * @param drainTimeout         how long open requests may take to finish when connections are drained
 * @param underscoresInHeaders whether request headers whose names have an underscore are passed on; nginx drops
 *                             them by default, and a CGI-style server reads {@code X_Forwarded_For} as
 *                             {@code X-Forwarded-For}
 * @param realIp               what load balancers in front are believed about the client
 * @param publicPort           the port clients reach this listener on, told to pods ({@code X-Forwarded-Port}) and
 *                             to the access log: {@code --http-public-port}, or for HTTPS {@code --https-redirect-port}
 */
public record ListenerSettings(String scheme, String host, int port, int maxInitialLineLength, int maxHeaderSize,
        Duration keepAliveTimeout, Duration clientHeaderTimeout, Duration clientBodyTimeout,
        Duration clientSendTimeout, int maxCamelBodySize,
        long maxBodySize,
        int httpsRedirectPort, String hsts, Duration drainTimeout, boolean underscoresInHeaders,
        RealIpSettings realIp, int publicPort) {

    /** @param publicPort the port clients reach HTTP on ({@code --http-public-port}), told to pods */
    public static ListenerSettings http(String host, int port, int publicPort, Duration keepAliveTimeout,
            Duration clientHeaderTimeout, Duration clientBodyTimeout, Duration clientSendTimeout, long maxBodySize,
            int httpsRedirectPort, Duration drainTimeout, boolean underscoresInHeaders) {
        return new ListenerSettings("http", host, port, 8192, 32768, keepAliveTimeout, clientHeaderTimeout,
                clientBodyTimeout, clientSendTimeout, 1024 * 1024, maxBodySize, httpsRedirectPort, null, drainTimeout,
                underscoresInHeaders, RealIpSettings.NONE, publicPort);
    }

    /** @param publicPort the port clients reach HTTPS on ({@code --https-redirect-port}), told to pods */
    public static ListenerSettings https(String host, int port, int publicPort, Duration keepAliveTimeout,
            Duration clientHeaderTimeout, Duration clientBodyTimeout, Duration clientSendTimeout, long maxBodySize,
            String hsts, Duration drainTimeout, boolean underscoresInHeaders) {
        return new ListenerSettings("https", host, port, 8192, 32768, keepAliveTimeout, clientHeaderTimeout,
                clientBodyTimeout, clientSendTimeout, 1024 * 1024, maxBodySize, publicPort, hsts, drainTimeout,
                underscoresInHeaders, RealIpSettings.NONE, publicPort);
    }

    /** These settings, believing load balancers in front this much. */
    public ListenerSettings withRealIp(RealIpSettings settings) {
        return new ListenerSettings(scheme, host, port, maxInitialLineLength, maxHeaderSize, keepAliveTimeout,
                clientHeaderTimeout, clientBodyTimeout, clientSendTimeout, maxCamelBodySize, maxBodySize,
                httpsRedirectPort, hsts, drainTimeout, underscoresInHeaders, settings, publicPort);
    }

    public boolean tls() {
        return scheme.equals("https");
    }
}

package dev.caravan.gateway;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;

/**
 * A request as its client made it, where load balancers in front ended its connection: ingress-nginx's
 * {@code $remote_addr} after the realip module, {@code $pass_access_scheme}, {@code $pass_port} and
 * {@code $best_http_host}. Without anything believed ({@link RealIpSettings}), the connection's.
 *
 * @param client       the client's address
 * @param clientIp     that address as nginx writes it
 * @param scheme       the scheme the client used: plain-HTTP requests of it are redirected to HTTPS where asked
 * @param port         the port the client connected to
 * @param host         the host and port the client asked for, where a load balancer says so ({@code X-Forwarded-Host});
 *                     {@code null}: the request's own
 * @param forwardedFor the {@code X-Forwarded-For} the pod is sent
 */
record ClientView(InetSocketAddress client, String clientIp, String scheme, int port, String host, String forwardedFor) {

    /** The view of a connection's requests where their headers do not change it. */
    static ClientView ofConnection(Channel channel, String listenerScheme, int listenerPort) {
        InetSocketAddress client = ClientAddress.of(channel);
        ClientAddress.Proxied proxied = ClientAddress.proxied(channel);
        int port = proxied != null ? proxied.serverPort() : listenerPort;
        // as ingress-nginx: a connection the load balancer took on port 443 had its TLS ended there
        String scheme = proxied != null && port == 443 ? "https" : listenerScheme;
        String ip = client == null ? "" : NetUtil.toAddressString(client.getAddress());
        return new ClientView(client, ip, scheme, port, null, ip);
    }

    /** The view of one request on a connection of view {@code connection}: what trusted load balancers say of it. */
    static ClientView ofRequest(ClientView connection, HttpHeaders headers, RealIpSettings settings) {
        InetSocketAddress peer = connection.client;
        if (peer == null || !settings.trusts(peer)) {
            return connection;
        }
        InetSocketAddress client = peer;
        if (settings.realIpHeader()) {
            client = realClient(peer, headers.getAll(settings.forwardedForHeader()), settings);
        }
        String ip = client == peer ? connection.clientIp : NetUtil.toAddressString(client.getAddress());
        String scheme = connection.scheme;
        int port = connection.port;
        String host = null;
        String forwardedFor = ip;
        if (settings.forwardedHeaders()) {
            String proto = first(headers.get("X-Forwarded-Proto"));
            if (proto != null && (proto.equalsIgnoreCase("http") || proto.equalsIgnoreCase("https"))) {
                scheme = proto.toLowerCase(Locale.ROOT);
            }
            port = port(first(headers.get("X-Forwarded-Port")), port);
            String forwardedHost = first(headers.get("X-Forwarded-Host"));
            if (forwardedHost != null && RequestTarget.validAuthority(forwardedHost)) {
                host = forwardedHost;
            }
            if (settings.computeFullForwardedFor()) {
                String chain = String.join(", ", headers.getAll("X-Forwarded-For")).trim();
                forwardedFor = chain.isEmpty() ? connection.clientIp : chain + ", " + connection.clientIp;
            }
        }
        return new ClientView(client, ip, scheme, port, host, forwardedFor);
    }

    /**
     * nginx's realip with {@code real_ip_recursive on}: from the peer back along the chain, each trusted address hands
     * over to the one before it; the client is the first not trusted, or the chain's first. An address that does not
     * parse ends the walk.
     */
    private static InetSocketAddress realClient(InetSocketAddress peer, List<String> lines, RealIpSettings settings) {
        InetSocketAddress client = peer;
        for (int line = lines.size() - 1; line >= 0; line--) {
            String[] addresses = lines.get(line).split(",");
            for (int i = addresses.length - 1; i >= 0; i--) {
                if (!settings.trusts(client)) {
                    return client;
                }
                InetAddress address = NetUtil.createInetAddressFromIpAddressString(addresses[i].trim());
                if (address == null) {
                    return client;
                }
                client = new InetSocketAddress(address, 0);
            }
        }
        return client;
    }

    /** The first of a header's comma-separated values, trimmed; {@code null} when there is none. */
    private static String first(String value) {
        if (value == null) {
            return null;
        }
        int comma = value.indexOf(',');
        String first = (comma < 0 ? value : value.substring(0, comma)).trim();
        return first.isEmpty() ? null : first;
    }

    private static int port(String value, int otherwise) {
        try {
            int port = value == null ? -1 : Integer.parseInt(value);
            return port >= 1 && port <= 65535 ? port : otherwise;
        } catch (NumberFormatException notANumber) {
            return otherwise;
        }
    }
}

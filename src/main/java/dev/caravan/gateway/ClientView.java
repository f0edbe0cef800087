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
 * @param balancerTls  whether a PROXY protocol header says the client reached port 443: TLS the load balancer ended,
 *                     whatever {@code X-Forwarded-Proto} says, as ingress-nginx
 */
record ClientView(InetSocketAddress client, String clientIp, String scheme, int port, String host, String forwardedFor,
        boolean balancerTls) {

    /**
     * The view of a connection's requests where their headers do not change it.
     *
     * @param publicPort the port clients reach the listener on: its own, or for HTTPS {@code --https-redirect-port}, as
     *                   ingress-nginx tells pods 443 for its HTTPS listener
     */
    static ClientView ofConnection(Channel channel, String listenerScheme, int publicPort) {
        InetSocketAddress client = ClientAddress.of(channel);
        ClientAddress.Proxied proxied = ClientAddress.proxied(channel);
        int port = proxied != null ? proxied.serverPort() : publicPort;
        boolean balancerTls = proxied != null && port == 443;
        String ip = client == null ? "" : NetUtil.toAddressString(client.getAddress());
        return new ClientView(client, ip, balancerTls ? "https" : listenerScheme, port, null, ip, balancerTls);
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
            if (!connection.balancerTls && proto != null
                    && (proto.equalsIgnoreCase("http") || proto.equalsIgnoreCase("https"))) {
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
        return new ClientView(client, ip, scheme, port, host, forwardedFor, connection.balancerTls);
    }

    /**
     * nginx's realip with {@code real_ip_recursive on}: from the peer back along the chain, each trusted address hands
     * over to the one before it; the client is the first not trusted, or the chain's first. Empty entries are skipped,
     * ports dropped ({@code 192.0.2.1:5000}, {@code [2001:db8::1]:443}, as some load balancers write them); an entry
     * that is no address ends the walk.
     */
    private static InetSocketAddress realClient(InetSocketAddress peer, List<String> lines, RealIpSettings settings) {
        InetSocketAddress client = peer;
        for (int line = lines.size() - 1; line >= 0; line--) {
            String[] entries = lines.get(line).split(",");
            for (int i = entries.length - 1; i >= 0; i--) {
                String entry = entries[i].trim();
                if (entry.isEmpty()) {
                    continue;
                }
                if (!settings.trusts(client)) {
                    return client;
                }
                InetAddress address = address(entry);
                if (address == null) {
                    return client;
                }
                client = new InetSocketAddress(address, 0);
            }
        }
        return client;
    }

    /** The address of an entry of a forwarded-for chain, without its port, or {@code null}. */
    private static InetAddress address(String entry) {
        String address = entry;
        if (entry.startsWith("[")) {
            int end = entry.indexOf(']');
            address = end < 0 ? entry : entry.substring(1, end);
        } else if (entry.indexOf(':') > 0 && entry.indexOf(':') == entry.lastIndexOf(':')) {
            address = entry.substring(0, entry.indexOf(':'));
        }
        return ClientAddress.unmapped(NetUtil.createInetAddressFromIpAddressString(address));
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

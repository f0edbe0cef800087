package dev.caravan.routing;

import io.netty.handler.codec.http.HttpRequest;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What a {@link RequestKey}'s variables are read from: one request as its client sent it, where it came from
 * and where it arrived. Its {@code $request_id} is made when first read, and is then the request's for every
 * key and for the {@code X-Request-ID} a pod is sent when the client sent none (nginx's {@code $req_id}).
 *
 * @param protocol the protocol it came in, as nginx's {@code $server_protocol} ({@code HTTP/2.0} for HTTP/2)
 * @param path    the request's path, normalized ({@code $uri}, until {@link #rewritten} changes it)
 * @param host    the host it is for, as sent ({@code $host} lower-cases it)
 * @param client  the client, as the listener's settings read it ({@code $remote_addr})
 * @param scheme  the listener's scheme ({@code $scheme}: a load balancer's word does not change it)
 * @param server  the address the connection arrived at ({@code $server_addr}, {@code $server_port})
 * @param ingress the Ingress whose rule serves it, or {@code null} ({@code $namespace}, {@code $ingress_name})
 */
public final class RequestFacts {

    private static final int MAX_REQUEST_ID_LENGTH = 128;

    private final HttpRequest request;
    private final String protocol;
    private String path;
    private final String host;
    private final InetSocketAddress client;
    private final String scheme;
    private final InetSocketAddress server;
    private final ObjectRef ingress;
    private final Backend service;
    private String requestId;

    public RequestFacts(HttpRequest request, String protocol, String path, String host, InetSocketAddress client, String scheme,
            InetSocketAddress server, ObjectRef ingress) {
        this(request, protocol, path, host, client, scheme, server, ingress, null);
    }

    /** @param service the rule's backend, for nginx's {@code $service_name} and {@code $service_port}; or {@code null} */
    public RequestFacts(HttpRequest request, String protocol, String path, String host, InetSocketAddress client, String scheme,
            InetSocketAddress server, ObjectRef ingress, Backend service) {
        this.service = service;
        this.request = request;
        this.protocol = protocol;
        this.path = path;
        this.host = host;
        this.client = client;
        this.scheme = scheme;
        this.server = server;
        this.ingress = ingress;
    }

    public HttpRequest request() {
        return request;
    }

    public String protocol() {
        return protocol;
    }

    public String path() {
        return path;
    }

    /** rewrite-target ran: as nginx's {@code $uri}, the path is now the rewritten one, normalized. */
    public void rewritten(String path) {
        this.path = path;
    }

    public String host() {
        return host;
    }

    public InetSocketAddress client() {
        return client;
    }

    public String scheme() {
        return scheme;
    }

    public InetSocketAddress server() {
        return server;
    }

    public ObjectRef ingress() {
        return ingress;
    }

    /** The rule's backend, or {@code null}. */
    public Backend service() {
        return service;
    }

    /** nginx's {@code $request_id}: 32 random hex digits, made once per request. */
    public String requestId() {
        if (requestId == null) {
            requestId = newRequestId();
        }
        return requestId;
    }

    /** The request id if a key has read it, else {@code null}. */
    public String requestIdIfMade() {
        return requestId;
    }

    /** Whether a client's X-Request-ID goes on to the pod as it is: one that is there, and not over 128 characters. */
    public static boolean passedOn(String clientRequestId) {
        return clientRequestId != null && !clientRequestId.isEmpty() && clientRequestId.length() <= MAX_REQUEST_ID_LENGTH;
    }

    /** 32 random hex digits, as nginx's {@code $request_id}; made on every request, so no formatter. */
    public static String newRequestId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        byte[] id = new byte[32];
        long high = random.nextLong();
        long low = random.nextLong();
        for (int i = 15; i >= 0; i--) {
            id[i] = HEX[(int) (high & 0xf)];
            id[i + 16] = HEX[(int) (low & 0xf)];
            high >>>= 4;
            low >>>= 4;
        }
        // one copy into a Latin-1 string, where a char[] would be copied and compressed
        return new String(id, StandardCharsets.ISO_8859_1);
    }

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
}

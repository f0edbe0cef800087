package dev.caravan.gateway;

import dev.caravan.routing.PathRule;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * What happened to one request, gathered while it is served and handed to the
 * {@link RequestObserver}s once its response is written: the raw material of access logs and metrics.
 * Written and read on the connection's event loop only.
 */
public final class RequestRecord {

    long startNanos;
    long startMillis;
    String method;
    String uri;
    String host;
    String protocol;
    String scheme;
    InetSocketAddress client;
    String clientIp;
    InetSocketAddress proxyProtocolClient;
    String requestId;
    String madeRequestId;
    String path;
    /** The path rewrite-target made of it (normalised as {@link #path}), or {@code null}: nginx's $uri after it. */
    String rewrittenPath;
    /** The host of the rules that matched it, nginx's {@code $server_name}: {@code _} for the catch-all. */
    String serverName = "_";
    String userAgent;
    String referer;
    long requestBytes;
    int status;
    long responseBytes;
    long responseHeadBytes;
    /** The request headers the observers asked for ({@link RequestObserver#requestHeaders()}), and their values as sent. */
    String[] headerNames;
    String[] headerValues;
    String[] sentHeaderNames;
    String[] sentHeaderValues;
    /** Where the connection arrived, and its TLS version and cipher suite (OpenSSL's name), or {@code null}. */
    InetSocketAddress server;
    String tlsProtocol;
    String tlsCipher;
    /** The connection's serial number and its requests so far, this one included; 0 when no observer asked. */
    long connection;
    long connectionRequests;
    /** The pod response headers the observers asked for ({@link RequestObserver#upstreamHeaders()}), and their values. */
    String[] upstreamHeaderNames;
    String[] upstreamHeaderValues;
    long durationNanos;
    PathRule rule;
    boolean canary;
    boolean accessLog = true;
    InetSocketAddress upstream;
    int upstreamStatus;
    int attempts;
    long upstreamStartNanos;
    long upstreamEndNanos;
    long upstreamConnectNanos = -1;
    /** From the last try's start to the pod's response head, or -1 when none came. */
    long upstreamHeaderNanos = -1;
    /** How the current try failed without an answer (504 timed out), or the status the call answered (502, 504), or 0. */
    int failedWith;
    /** When the last try began, and the tries before it (null when there was one): nginx lists each. */
    long attemptStartNanos;
    List<Attempt> earlierAttempts;

    /**
     * A try at a pod that another followed: the pod, its status (504 when it timed out without one, else 502), its
     * duration, and the time to its response head (-1 when none came).
     */
    public record Attempt(InetSocketAddress pod, int status, long nanos, long headerNanos) {
    }

    RequestRecord() {
    }

    /** When the request began, in epoch milliseconds. */
    public long startMillis() {
        return startMillis;
    }

    public String method() {
        return method;
    }

    /** The request target as received: path and query. */
    public String uri() {
        return uri;
    }

    /**
     * The host as nginx's {@code $host} once the request is routed: lower case, without port; before that (a request
     * refused first) the Host (or :authority) as received. {@code null} when there was none.
     */
    public String host() {
        return host;
    }

    /** {@code HTTP/1.1}, {@code HTTP/1.0} or {@code HTTP/2.0}. */
    public String protocol() {
        return protocol;
    }

    /** {@code http} or {@code https}: the listener's. */
    public String scheme() {
        return scheme;
    }

    public InetSocketAddress client() {
        return client;
    }

    /** The client's IP address as text, or {@code null} when it is not an IP client. */
    public String clientIp() {
        return clientIp;
    }

    public String requestId() {
        return requestId;
    }

    /** The request id Caravan made for it (nginx's {@code $request_id}), or {@code null} when it made none. */
    public String madeRequestId() {
        return madeRequestId;
    }

    /** Its path, normalized as rules match it (nginx's {@code $uri}), or {@code null} before it was read. */
    public String path() {
        return path;
    }

    /** The path as rewrite-target made it, as the pod was asked for it, or {@code null} when it was not rewritten. */
    public String rewrittenPath() {
        return rewrittenPath;
    }

    /** nginx's {@code $server_name}: the host of the rules that served it, {@code _} for the catch-all or none. */
    public String serverName() {
        return serverName;
    }

    /** nginx's {@code $connection}: the connection's serial number, 0 unless an observer reads the connection. */
    public long connection() {
        return connection;
    }

    /** nginx's {@code $connection_requests}: the requests made on the connection so far, this one included. */
    public long connectionRequests() {
        return connectionRequests;
    }

    public String userAgent() {
        return userAgent;
    }

    public String referer() {
        return referer;
    }

    /** The request's size: request line, headers and body, as nginx's {@code $request_length}. */
    public long requestBytes() {
        return requestBytes;
    }

    /** The status sent to the client, or 499 (nginx's) if the connection closed before a response began. */
    public int status() {
        return status;
    }

    /** Bytes of the response sent: head and body, as nginx's {@code $bytes_sent}. */
    public long responseBytes() {
        return responseBytes;
    }

    /** From the request's head to the response's last byte written. */
    public long durationNanos() {
        return durationNanos;
    }

    /** The Ingress rule that served it, or {@code null} (no rule: a default backend or a 404). */
    public PathRule rule() {
        return rule;
    }

    /** Whether the rule's canary served it. */
    public boolean canary() {
        return canary;
    }

    /** The client a PROXY protocol header named (nginx's {@code $proxy_protocol_addr}), or {@code null}. */
    public InetSocketAddress proxyProtocolClient() {
        return proxyProtocolClient;
    }

    /** The body's bytes of {@link #responseBytes()}, nginx's {@code $body_bytes_sent}. */
    public long responseBodyBytes() {
        return Math.max(0, responseBytes - responseHeadBytes);
    }

    /**
     * The value of a request header an observer asked for ({@link RequestObserver#requestHeaders()}), every line of it
     * joined as nginx joins them, or {@code null} when the client sent none.
     */
    public String header(String variableName) {
        return valueOf(headerNames, headerValues, variableName);
    }

    /** The value of a response header an observer asked for ({@link RequestObserver#responseHeaders()}), or null. */
    public String sentHeader(String variableName) {
        return valueOf(sentHeaderNames, sentHeaderValues, variableName);
    }

    /**
     * The value of a pod's response header an observer asked for ({@link RequestObserver#upstreamHeaders()}), as the
     * last pod tried sent it, or {@code null}.
     */
    public String upstreamHeader(String variableName) {
        return valueOf(upstreamHeaderNames, upstreamHeaderValues, variableName);
    }

    /** The value kept for {@code name}, or {@code null} when none was kept (no names, or no values yet). */
    private static String valueOf(String[] names, String[] values, String name) {
        if (names != null && values != null) {
            for (int i = 0; i < names.length; i++) {
                if (names[i].equals(name)) {
                    return values[i];
                }
            }
        }
        return null;
    }

    /** The listener's address the connection arrived at, or {@code null}. */
    public InetSocketAddress server() {
        return server;
    }

    /** The connection's TLS version ({@code TLSv1.3}), or {@code null} over plain HTTP. */
    public String tlsProtocol() {
        return tlsProtocol;
    }

    /** The connection's TLS cipher suite as OpenSSL names it, as nginx's {@code $ssl_cipher}, or {@code null}. */
    public String tlsCipher() {
        return tlsCipher;
    }

    /** Whether its Ingress wants it in the access log ({@code enable-access-log}). */
    public boolean accessLog() {
        return accessLog;
    }

    /** The pod that answered (the last tried), or {@code null} when no pod was asked. */
    public InetSocketAddress upstream() {
        return upstream;
    }

    /** The pod's status, or 0. */
    public int upstreamStatus() {
        return upstreamStatus;
    }

    /**
     * nginx's {@code $upstream_status} of the last try: the pod's status; for a try that got none, the status the
     * call answered for it (502 refused or broken, 504 timed out); 0 when there was neither (the client left first).
     */
    public int loggedUpstreamStatus() {
        return upstreamStatus != 0 ? upstreamStatus : failedWith;
    }

    /**
     * A try at {@code endpoint} begins at {@code now}: the one before, if any, is listed as nginx lists every pod tried
     * (502 when it failed otherwise than by a timeout without a status).
     */
    void attempting(InetSocketAddress endpoint, long now) {
        if (attempts++ == 0) {
            upstreamStartNanos = now;
        } else if (upstream != null) {
            if (earlierAttempts == null) {
                earlierAttempts = new ArrayList<>(2);
            }
            int status = loggedUpstreamStatus();
            earlierAttempts.add(new Attempt(upstream, status != 0 ? status : 502, now - attemptStartNanos,
                    upstreamHeaderNanos));
            upstreamStatus = 0;
            failedWith = 0;
        }
        attemptStartNanos = now;
        upstream = endpoint;
        upstreamConnectNanos = -1;
        upstreamHeaderNanos = -1;
    }

    /** Pods tried: more than 1 means retries. */
    public int attempts() {
        return attempts;
    }

    /**
     * From the first try to the pod's last byte, or -1 when no pod was asked. Never longer than the request: a
     * pod's end handled in the same pass as the response's may be stamped just after the request's.
     */
    public long upstreamNanos() {
        return upstream == null ? -1 : Math.max(0, upstreamEnd() - upstreamStartNanos);
    }

    private long upstreamEnd() {
        long requestEnd = startNanos + durationNanos;
        return upstreamEndNanos != 0 ? Math.min(upstreamEndNanos, requestEnd) : requestEnd;
    }

    /** The tries before the last, in order; empty when the first was the last. */
    public List<Attempt> earlierAttempts() {
        return earlierAttempts == null ? List.of() : earlierAttempts;
    }

    /** From the last try to the pod's last byte, or -1 when no pod was asked. */
    public long lastAttemptNanos() {
        return upstream == null ? -1 : Math.max(0, upstreamEnd() - attemptStartNanos);
    }

    /** From the last try's start to the pod's response head, or -1 when none came. */
    public long upstreamHeaderNanos() {
        return upstreamHeaderNanos;
    }

    /** The time to connect to the pod of the last try; 0 for a pooled connection, -1 when none was made. */
    public long upstreamConnectNanos() {
        return upstreamConnectNanos;
    }
}

package dev.caravan.gateway;

import java.net.InetSocketAddress;

/**
 * One relayed TCP connection or UDP session, as nginx's stream access log tells it: filled in on its event loop while
 * it lives, and read once it has closed.
 */
public final class StreamSession {

    /** nginx's stream {@code $status}: relayed, no pod reachable, the connection's start unreadable (a PROXY header). */
    public static final int RELAYED = 200;
    public static final int NO_POD = 502;
    public static final int UNREADABLE = 400;

    private final long startMillis = System.currentTimeMillis();
    private final long startNanos = System.nanoTime();
    private final int port;
    private final String backend;
    private final boolean udp;
    private int status = UNREADABLE;
    private InetSocketAddress upstream;
    private ByteRelay fromClient;
    private ByteRelay fromPod;
    private long datagramBytesIn;
    private long datagramBytesOut;

    StreamSession(int port, String backend, boolean udp) {
        this.port = port;
        this.backend = backend;
        this.udp = udp;
    }

    /** A datagram of {@code bytes} from the client went to the pod. */
    void datagramIn(int bytes) {
        datagramBytesIn += bytes;
    }

    /** A datagram of {@code bytes} from the pod went to the client. */
    void datagramOut(int bytes) {
        datagramBytesOut += bytes;
    }

    /** nginx's stream {@code $protocol}. */
    public String protocol() {
        return udp ? "UDP" : "TCP";
    }

    /** A pod is being tried: until one answers, the connection's end is a 502. */
    void trying(InetSocketAddress endpoint) {
        status = NO_POD;
        upstream = endpoint;
    }

    /** A UDP session's pod was not reached (an ICMP error before any answer), or did not answer as due: a 502. */
    void unreachable() {
        status = NO_POD;
    }

    /** A UDP session's pod took its first datagram. */
    void relayed() {
        status = RELAYED;
    }

    void relayed(ByteRelay fromClient, ByteRelay fromPod) {
        status = RELAYED;
        this.fromClient = fromClient;
        this.fromPod = fromPod;
    }

    public long startMillis() {
        return startMillis;
    }

    public long durationNanos() {
        return System.nanoTime() - startNanos;
    }

    public int port() {
        return port;
    }

    /** The Service port relayed to, {@code namespace/service:port}. */
    public String backend() {
        return backend;
    }

    public int status() {
        return status;
    }

    /** The pod relayed to (or last tried), or {@code null}. */
    public InetSocketAddress upstream() {
        return upstream;
    }

    /** nginx's {@code $bytes_received}: from the client. */
    public long bytesReceived() {
        return (fromClient == null ? 0 : fromClient.relayed()) + datagramBytesIn;
    }

    /** nginx's {@code $bytes_sent}: to the client. */
    public long bytesSent() {
        return (fromPod == null ? 0 : fromPod.relayed()) + datagramBytesOut;
    }
}

package dev.caravan.balance;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How sticky-cookie values map to one backend's endpoints. Both mappings are pure functions of the
 * backend's name and endpoint addresses, so every replica that sees the same EndpointSlices maps a
 * cookie to the same pod without sharing any state:
 *
 * <ul>
 * <li><b>persistent</b>: the cookie names its pod: {@code hex(SHA-256(backend "\0" ip ":" port))[0..32]}.
 *     The backend's name salts it (no pod address can be read back from a cookie, and a cookie of one
 *     backend means nothing to another). A new pod never takes over a cookie; a gone pod's cookies are
 *     re-pinned.</li>
 * <li><b>balanced</b>: the cookie is a random 128-bit key placed on a consistent-hash ring of the
 *     endpoints ({@value #POINTS} points each at {@code SHA-256(ip ":" port "#" i)}, the key at
 *     {@code SHA-256(key)}, first 8 bytes as a signed long, next point clockwise). Adding a pod
 *     moves about 1/n of the keys to it, as ingress-nginx's balanced mode does. The cookie carries the
 *     key, a dot and {@link #backendKey()} ({@code hex(SHA-256("backend\0" backend))[0..8]}), so that a
 *     request can be told to belong to the main or the canary backend of a rule.</li>
 * </ul>
 *
 * The lookup tables are built on first use, once per routing-table version of the backend.
 */
public final class AffinityIndex {

    static final int POINTS = 160;
    private static final HexFormat HEX = HexFormat.of();
    /** A digest per thread: looking one up among the security providers costs more than hashing a key. */
    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("every JVM has SHA-256", impossible);
        }
    });

    private final String backend;
    private final List<InetSocketAddress> endpoints;
    private volatile Map<String, InetSocketAddress> byKey;
    private volatile Ring<InetSocketAddress> ring;
    private volatile String backendKey;
    /** By subset size: Ingresses sharing a Service may cut it in different sizes (at most a handful). */
    private final Map<Integer, Ring<List<InetSocketAddress>>> subsets = new ConcurrentHashMap<>();

    public AffinityIndex(String backend, List<InetSocketAddress> endpoints) {
        this.backend = backend;
        this.endpoints = endpoints;
    }

    /** What a balanced cookie carries to say it is this backend's. */
    public String backendKey() {
        String key = backendKey;
        if (key == null) {
            key = HEX.formatHex(sha256("backend\0" + backend)).substring(0, 8);
            backendKey = key;
        }
        return key;
    }

    /** The persistent cookie value that pins {@code endpoint}. */
    public String persistentKey(InetSocketAddress endpoint) {
        return HEX.formatHex(sha256(backend + "\0" + address(endpoint))).substring(0, 32);
    }

    /** The endpoint a persistent cookie pins, or {@code null} if it names none of the current ones. */
    public InetSocketAddress byPersistentKey(String key) {
        Map<String, InetSocketAddress> map = byKey;
        if (map == null) {
            map = new HashMap<>();
            for (InetSocketAddress endpoint : endpoints) {
                map.put(persistentKey(endpoint), endpoint);
            }
            byKey = map;
        }
        return map.get(key);
    }

    /** The endpoint a balanced cookie's key lands on; {@code null} only when there are no endpoints. */
    public InetSocketAddress onRing(String key) {
        Ring<InetSocketAddress> current = ring;
        if (current == null) {
            current = Ring.of(endpoints);
            ring = current;
        }
        return current.lookup(key);
    }

    /**
     * {@code upstream-hash-by-subset}, as ingress-nginx's: the endpoints, in address order, cut into subsets of
     * {@code size} (the last one filled up from the first endpoints), each subset on a ring as {@code setN}; the
     * key picks a subset, and a random endpoint of it serves. {@code null} only when there are no endpoints.
     */
    public InetSocketAddress inSubset(String key, int size) {
        Ring<List<InetSocketAddress>> ring = subsets.computeIfAbsent(size, this::subsetRing);
        List<InetSocketAddress> subset = ring.lookup(key);
        return subset == null ? null : subset.get(ThreadLocalRandom.current().nextInt(subset.size()));
    }

    private Ring<List<InetSocketAddress>> subsetRing(int size) {
        List<InetSocketAddress> sorted = new ArrayList<>(endpoints);
        sorted.sort(Comparator.comparing(AffinityIndex::address));
        int sets = (sorted.size() + size - 1) / size;
        List<String> names = new ArrayList<>(sets);
        List<List<InetSocketAddress>> members = new ArrayList<>(sets);
        for (int set = 0; set < sets; set++) {
            List<InetSocketAddress> subset = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                subset.add(sorted.get((set * size + i) % sorted.size()));
            }
            names.add("set" + (set + 1));
            members.add(List.copyOf(subset));
        }
        return Ring.of(names, members);
    }

    /** A fresh balanced key. */
    public static String newBalancedKey() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return HEX.toHexDigits(random.nextLong()) + HEX.toHexDigits(random.nextLong());
    }

    private static String address(InetSocketAddress endpoint) {
        return endpoint.getAddress().getHostAddress() + ":" + endpoint.getPort();
    }

    static byte[] sha256(String text) {
        return SHA_256.get().digest(text.getBytes(StandardCharsets.UTF_8));
    }

    private static long point(String text) {
        byte[] hash = sha256(text);
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = value << 8 | (hash[i] & 0xff);
        }
        return value;
    }

    /** A consistent-hash ring: each owner at {@value #POINTS} points {@code SHA-256(name "#" i)}. */
    private record Ring<T>(long[] points, List<T> owners) {

        static Ring<InetSocketAddress> of(List<InetSocketAddress> endpoints) {
            return of(endpoints.stream().map(AffinityIndex::address).toList(), endpoints);
        }

        static <T> Ring<T> of(List<String> names, List<T> owners) {
            long[][] pairs = new long[names.size() * POINTS][];
            int n = 0;
            for (int e = 0; e < names.size(); e++) {
                for (int i = 0; i < POINTS; i++) {
                    pairs[n++] = new long[] {point(names.get(e) + "#" + i), e};
                }
            }
            Arrays.sort(pairs, (x, y) -> x[0] != y[0] ? Long.compare(x[0], y[0]) : Long.compare(x[1], y[1]));
            long[] points = new long[pairs.length];
            List<T> pointOwners = new ArrayList<>(pairs.length);
            for (int i = 0; i < pairs.length; i++) {
                points[i] = pairs[i][0];
                pointOwners.add(owners.get((int) pairs[i][1]));
            }
            return new Ring<>(points, pointOwners);
        }

        T lookup(String key) {
            if (points.length == 0) {
                return null;
            }
            int at = Arrays.binarySearch(points, point(key));
            int index = at >= 0 ? at : -at - 1;
            return owners.get(index == points.length ? 0 : index);
        }
    }

}

package dev.caravan.balance;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The cookie values are a contract between replicas and versions: these pin their formulas. */
class AffinityIndexTest {

    private final List<InetSocketAddress> pods = List.of(new InetSocketAddress("10.0.0.1", 8080),
            new InetSocketAddress("10.0.0.2", 8080), new InetSocketAddress("10.0.0.3", 8080));
    private final AffinityIndex index = new AffinityIndex("default-shop-80", pods);

    @Test
    void keysAreTheDocumentedHashes() throws Exception {
        assertThat(index.backendKey()).isEqualTo(hex("backend\0default-shop-80").substring(0, 8))
                .isSameAs(index.backendKey());
        assertThat(index.persistentKey(pods.get(1))).isEqualTo(hex("default-shop-80\u000010.0.0.2:8080").substring(0, 32));
        assertThat(index.byPersistentKey(index.persistentKey(pods.get(2)))).isEqualTo(pods.get(2));
    }

    @Test
    void balancedKeysAre128RandomBitsInHex() {
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String key = AffinityIndex.newBalancedKey();
            assertThat(key).matches("[0-9a-f]{32}");
            keys.add(key);
        }
        assertThat(keys).hasSize(1000);
    }

    @Test
    void aKeyLandsOnThePodOfTheNextPointClockwise() throws Exception {
        // the ring by its definition: 160 points per pod at SHA-256(ip:port#i), the key at SHA-256(key)
        long best = Long.MAX_VALUE;
        long lowest = Long.MAX_VALUE;
        InetSocketAddress expected = null;
        InetSocketAddress first = null;
        String key = "0123456789abcdef0123456789abcdef";
        long point = point(key);
        for (InetSocketAddress pod : pods) {
            for (int i = 0; i < AffinityIndex.POINTS; i++) {
                long p = point("10.0.0." + pod.getAddress().getAddress()[3] + ":8080#" + i);
                if (p >= point && p < best) {
                    best = p;
                    expected = pod;
                }
                if (p < lowest) {
                    lowest = p;
                    first = pod;
                }
            }
        }
        assertThat(index.onRing(key)).isEqualTo(expected != null ? expected : first);
    }

    @Test
    void hashesAreRightWhenThreadsHashAtOnce() throws Exception {
        List<Thread> threads = new ArrayList<>();
        List<String> wrong = new CopyOnWriteArrayList<>();
        for (int t = 0; t < 4; t++) {
            int thread = t;
            threads.add(new Thread(() -> {
                try {
                    MessageDigest own = MessageDigest.getInstance("SHA-256");
                    for (int i = 0; i < 20_000; i++) {
                        String text = "thread " + thread + " key " + i + "x".repeat(i % 200);
                        byte[] expected = own.digest(text.getBytes(StandardCharsets.UTF_8));
                        if (!Arrays.equals(AffinityIndex.sha256(text), expected)) {
                            wrong.add(text);
                        }
                    }
                } catch (Exception e) {
                    wrong.add(e.toString());
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(wrong).isEmpty();
    }

    private static String hex(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static long point(String text) throws Exception {
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = value << 8 | (hash[i] & 0xff);
        }
        return value;
    }
}

package dev.caravan.tls;

import dev.caravan.collect.ShardedMap;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The certificates the HTTPS listener presents, by SNI name: exact names first, then wildcards one
 * label deep, then the default certificate (also for clients that send no SNI). Replaced whole on each
 * change, so every handshake sees one consistent set and a rotated Secret takes effect for the next
 * handshake without touching open connections.
 */
public final class CertificateStore {

    /** @param byHost lower-case names, {@code *.suffix} for wildcards */
    private record Snapshot(ShardedMap<String, ServerCertificate> byHost, ServerCertificate fallback) {
    }

    private volatile Snapshot current;
    private volatile long updates;

    public CertificateStore(ServerCertificate fallback) {
        current = new Snapshot(ShardedMap.of(), fallback);
    }

    /**
     * Puts a new set in force. @param byHost lower-case names, {@code *.suffix} for wildcards; a sharded map is taken
     * as it is, so that a set differing from the last in a few hosts costs a few shards
     */
    public void update(Map<String, ServerCertificate> byHost, ServerCertificate fallback) {
        current = new Snapshot(ShardedMap.copyOf(byHost), fallback);
        updates++;
    }

    /** How many sets have been put in force: what changed since a reader last looked. */
    public long updates() {
        return updates;
    }

    /** The certificate for an SNI name (any case, {@code null} when the client sent none). */
    public ServerCertificate select(String serverName) {
        Snapshot snapshot = current;
        if (serverName == null || serverName.isEmpty()) {
            return snapshot.fallback();
        }
        String name = serverName.toLowerCase(Locale.ROOT);
        ServerCertificate exact = snapshot.byHost().get(name);
        if (exact != null) {
            return exact;
        }
        int dot = name.indexOf('.');
        ServerCertificate wildcard = dot > 0 ? snapshot.byHost().get("*" + name.substring(dot)) : null;
        return wildcard != null ? wildcard : snapshot.fallback();
    }

    public ServerCertificate fallback() {
        return current.fallback();
    }

    /**
     * The certificate of each host that has its own, by host ({@code *.suffix} for wildcards): the set in force, which
     * shares with the one before it what a change did not touch.
     */
    public ShardedMap<String, ServerCertificate> byHost() {
        return current.byHost();
    }

    /** When each host's certificate expires (its not-after), by host; for metrics and operators. */
    public Map<String, Instant> expiries() {
        Map<String, Instant> expiries = new TreeMap<>();
        byHost().forEach((host, certificate) -> expiries.put(host, certificate.notAfter()));
        return expiries;
    }
}

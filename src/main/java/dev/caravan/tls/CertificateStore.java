package dev.caravan.tls;

import java.time.Instant;
import java.util.HashMap;
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

    private record Snapshot(Map<String, ServerCertificate> exact, Map<String, ServerCertificate> wildcard,
            ServerCertificate fallback) {
    }

    private volatile Snapshot current;
    private volatile long updates;

    public CertificateStore(ServerCertificate fallback) {
        current = new Snapshot(Map.of(), Map.of(), fallback);
    }

    /** Puts a new set in force. @param byHost lower-case names, {@code *.suffix} for wildcards */
    public void update(Map<String, ServerCertificate> byHost, ServerCertificate fallback) {
        Map<String, ServerCertificate> exact = new HashMap<>();
        Map<String, ServerCertificate> wildcard = new HashMap<>();
        byHost.forEach((host, certificate) -> {
            if (host.startsWith("*.")) {
                wildcard.put(host.substring(2), certificate);
            } else {
                exact.put(host, certificate);
            }
        });
        current = new Snapshot(Map.copyOf(exact), Map.copyOf(wildcard), fallback);
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
        ServerCertificate exact = snapshot.exact().get(name);
        if (exact != null) {
            return exact;
        }
        int dot = name.indexOf('.');
        ServerCertificate wildcard = dot > 0 ? snapshot.wildcard().get(name.substring(dot + 1)) : null;
        return wildcard != null ? wildcard : snapshot.fallback();
    }

    public ServerCertificate fallback() {
        return current.fallback();
    }

    /** The certificate of each host that has its own, by host ({@code *.suffix} for wildcards). */
    public Map<String, ServerCertificate> byHost() {
        Snapshot snapshot = current;
        Map<String, ServerCertificate> byHost = new TreeMap<>(snapshot.exact());
        snapshot.wildcard().forEach((suffix, certificate) -> byHost.put("*." + suffix, certificate));
        return byHost;
    }

    /** When each host's certificate expires (its not-after), by host; for metrics and operators. */
    public Map<String, Instant> expiries() {
        Map<String, Instant> expiries = new TreeMap<>();
        byHost().forEach((host, certificate) -> expiries.put(host, certificate.notAfter()));
        return expiries;
    }
}

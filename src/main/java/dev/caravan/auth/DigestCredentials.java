package dev.caravan.auth;

import io.fabric8.kubernetes.api.model.Secret;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The users of one digest-authentication Secret, read as ingress-nginx's digest module reads {@code auth-secret}:
 * htdigest lines {@code user:realm:HA1}, HA1 being the hex MD5 of {@code user:realm:password}. Only the users of
 * the realm the challenge names can answer it, since their HA1 binds them to their realm.
 */
public final class DigestCredentials implements Users {

    private static final Pattern HA1 = Pattern.compile("[0-9a-fA-F]{32}");

    private final String realm;
    private final Map<String, String> ha1ByUser;

    private DigestCredentials(String realm, Map<String, String> ha1ByUser) {
        this.realm = realm;
        this.ha1ByUser = Collections.unmodifiableMap(ha1ByUser);
    }

    /**
     * @param map   {@code auth-map} (one user per key, {@code realm:HA1} its value) rather than an htdigest file
     * @param realm the realm of the challenge ({@code auth-realm}), or empty for the one realm all the Secret's users
     *              are of: ingress-nginx's digest module would let everyone in without a realm, Caravan would rather not
     * @throws IllegalArgumentException saying what is wrong, never with a hash in it
     */
    public static DigestCredentials fromSecret(Secret secret, boolean map, String realm) {
        Map<String, Map<String, String>> byRealm = new TreeMap<>();
        for (UserFile.Entry entry : UserFile.read(secret, map)) {
            int colon = entry.value().lastIndexOf(':');
            String ha1 = colon < 0 ? "" : entry.value().substring(colon + 1).trim();
            if (colon <= 0 || !HA1.matcher(ha1).matches()) {
                throw new IllegalArgumentException(entry.where() + " is not " + (map ? "" : "user:")
                        + "realm:HA1 (32 hex digits), as htdigest writes");
            }
            byRealm.computeIfAbsent(entry.value().substring(0, colon), any -> new TreeMap<>()).put(entry.user(), ha1);
        }
        String served = realm;
        if (served.isEmpty()) {
            if (byRealm.size() > 1) {
                throw new IllegalArgumentException("holds users of " + byRealm.size() + " realms "
                        + new TreeSet<>(byRealm.keySet()) + ": auth-realm says which one the Ingress asks for");
            }
            served = byRealm.keySet().iterator().next();
            if (!Users.quotableRealm(served)) {
                throw new IllegalArgumentException("has a realm with characters the quoted realm of a challenge cannot"
                        + " carry");
            }
        }
        Map<String, String> users = byRealm.get(served);
        if (users == null) {
            throw new IllegalArgumentException("holds no user of realm '" + served + "' (its realms: "
                    + new TreeSet<>(byRealm.keySet()) + ")");
        }
        return new DigestCredentials(served, users);
    }

    /** The realm the challenge names, whose users these are. */
    public String realm() {
        return realm;
    }

    @Override
    public Object entryOf(String user) {
        return ha1Of(user);
    }

    /** The HA1 of {@code user} as the Secret has it, or {@code null} when there is no such user of the realm. */
    public String ha1Of(String user) {
        return ha1ByUser.get(user);
    }

    @Override
    public int size() {
        return ha1ByUser.size();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof DigestCredentials that && realm.equals(that.realm) && ha1ByUser.equals(that.ha1ByUser);
    }

    @Override
    public int hashCode() {
        return realm.hashCode() * 31 + ha1ByUser.hashCode();
    }

    @Override
    public String toString() {
        return ha1ByUser.size() + " users of realm " + realm;
    }
}

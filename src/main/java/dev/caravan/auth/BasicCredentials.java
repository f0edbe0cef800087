package dev.caravan.auth;

import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The users of one basic-authentication Secret and their password hashes, read as ingress-nginx reads
 * {@code auth-secret}: an htpasswd file under the key {@code auth} ({@code auth-secret-type: auth-file}, the
 * default), or one user per key ({@code auth-map}).
 */
public final class BasicCredentials implements Users {

    private final Map<String, PasswordHash> users;

    private BasicCredentials(Map<String, PasswordHash> users) {
        this.users = Collections.unmodifiableMap(users);
    }

    /**
     * The user and password of a Basic {@code Authorization} header value, or {@code null} when it holds none.
     */
    public static String[] fromHeader(String authorization) {
        String value = authorization == null ? "" : authorization.trim();
        if (value.length() < 6 || !value.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(value.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return colon < 0 ? null : new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
        } catch (IllegalArgumentException notBase64) {
            return null;
        }
    }

    /**
     * @param map {@code auth-map} rather than an htpasswd file
     * @throws IllegalArgumentException saying what is wrong, never with a password or hash in it
     */
    public static BasicCredentials fromSecret(Secret secret, boolean map) {
        Map<String, PasswordHash> users = new TreeMap<>();
        for (UserFile.Entry entry : UserFile.read(secret, map)) {
            try {
                users.put(entry.user(), PasswordHash.parse(entry.value()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(entry.where() + " " + e.getMessage());
            }
        }
        return new BasicCredentials(users);
    }

    @Override
    public Object entryOf(String user) {
        return hashOf(user);
    }

    /** The password hash of {@code user}, or {@code null} when there is no such user. */
    public PasswordHash hashOf(String user) {
        return users.get(user);
    }

    @Override
    public int size() {
        return users.size();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BasicCredentials that && users.equals(that.users);
    }

    @Override
    public int hashCode() {
        return users.hashCode();
    }

    @Override
    public String toString() {
        return users.size() + " users";
    }
}

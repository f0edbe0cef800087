package dev.caravan.auth;

import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The entries of an {@code auth-secret}, read as ingress-nginx writes them to its password file: the file under
 * the key {@code auth} ({@code auth-secret-type: auth-file}, the default), or one user per key ({@code auth-map}).
 * What an entry's value holds is the scheme's: a password hash for basic, {@code realm:HA1} for digest.
 */
final class UserFile {

    /**
     * @param user  the user name
     * @param value what follows the user's colon
     * @param where where the entry is, for errors: never the value, which is a hash
     */
    record Entry(String user, String value, String where) {
    }

    private UserFile() {
    }

    /** @throws IllegalArgumentException saying what is wrong, never with a hash in it */
    static List<Entry> read(Secret secret, boolean map) {
        Map<String, String> data = new TreeMap<>();
        if (secret.getData() != null) {
            secret.getData().keySet().forEach(key -> data.put(key, text(secret, key)));
        }
        if (secret.getStringData() != null) {
            data.putAll(secret.getStringData());
        }
        List<Entry> entries = new ArrayList<>();
        if (map) {
            data.forEach((user, value) -> entries.add(new Entry(user, value.trim(), "user " + user)));
        } else {
            String file = data.get("auth");
            if (file == null) {
                throw new IllegalArgumentException("has no key 'auth' (a password file)");
            }
            int number = 0;
            for (String line : file.split("\r?\n")) {
                number++;
                String entry = line.trim();
                if (entry.isEmpty() || entry.startsWith("#")) {
                    continue;
                }
                int colon = entry.indexOf(':');
                if (colon <= 0) {
                    throw new IllegalArgumentException("line " + number + " of 'auth' does not start with a user and ':'");
                }
                entries.add(new Entry(entry.substring(0, colon), entry.substring(colon + 1), "line " + number + " of 'auth'"));
            }
        }
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("holds no user");
        }
        return entries;
    }

    /** Decoded strictly: a password file that is not base64 is an error, never hashes made of what was skipped. */
    private static String text(Secret secret, String key) {
        try {
            return new String(Base64.getDecoder().decode(secret.getData().get(key).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("has a value under '" + key + "' that is not base64");
        }
    }
}

package dev.caravan.auth;

/** The users of an {@code auth-secret}, as the Ingress's {@code auth-type} reads them. */
public sealed interface Users permits BasicCredentials, DigestCredentials {

    int size();

    /**
     * What this Secret holds for {@code user} (a password hash, a digest HA1), or {@code null} when it has no such
     * user: another value than before means the user's password changed.
     */
    Object entryOf(String user);

    /** The user an {@code Authorization} value names, Basic or Digest, or {@code null}. */
    static String userOf(String authorization) {
        String[] basic = BasicCredentials.fromHeader(authorization);
        if (basic != null) {
            return basic[0];
        }
        DigestAnswer digest = DigestAnswer.parse(authorization);
        return digest == null ? null : digest.username();
    }

    /** Whether a realm can go in a challenge's quoted {@code realm="…"} as it is: printable ASCII, no quote or backslash. */
    static boolean quotableRealm(String realm) {
        return realm.chars().allMatch(c -> c >= 0x20 && c < 0x7f && c != '"' && c != '\\');
    }
}

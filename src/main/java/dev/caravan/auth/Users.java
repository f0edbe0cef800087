package dev.caravan.auth;

/** The users of an {@code auth-secret}, as the Ingress's {@code auth-type} reads them. */
public sealed interface Users permits BasicCredentials, DigestCredentials {

    int size();

    /** Whether a realm can go in a challenge's quoted {@code realm="…"} as it is: printable ASCII, no quote or backslash. */
    static boolean quotableRealm(String realm) {
        return realm.chars().allMatch(c -> c >= 0x20 && c < 0x7f && c != '"' && c != '\\');
    }
}

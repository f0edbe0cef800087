package dev.caravan.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Pattern;
import org.apache.commons.codec.digest.Md5Crypt;
import org.apache.commons.codec.digest.Sha2Crypt;
import org.apache.commons.codec.digest.UnixCrypt;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * One password hash of an htpasswd file, in the formats nginx's {@code auth_basic_user_file} verifies:
 * bcrypt ({@code $2a$}, {@code $2b$}, {@code $2y$}), Apache's MD5 ({@code $apr1$}), crypt(3)'s MD5, SHA-256 and
 * SHA-512 ({@code $1$}, {@code $5$}, {@code $6$}), {@code {SHA}} (base64 SHA-1), {@code {SSHA}}, {@code {PLAIN}}
 * and traditional DES crypt. Comparisons take the same time whatever matches.
 */
public final class PasswordHash {

    private final String hash;

    private PasswordHash(String hash) {
        this.hash = hash;
    }

    /**
     * @throws IllegalArgumentException for a hash in no format above
     */
    public static PasswordHash parse(String hash) {
        if (!known(hash)) {
            throw new IllegalArgumentException("is not a password hash nginx verifies (bcrypt, $apr1$, $1$, $5$, $6$,"
                    + " {SHA}, {SSHA}, {PLAIN} or crypt)");
        }
        return new PasswordHash(hash);
    }

    /** The formats, whole: a hash that only starts like one would fail in the middle of a check. */
    private static final Pattern[] FORMATS = {
        Pattern.compile("\\$2[aby]\\$\\d\\d\\$[./A-Za-z0-9]{53}"),
        Pattern.compile("\\$(apr1|1)\\$[^$]{0,8}\\$[./0-9A-Za-z]{22}"),
        Pattern.compile("\\$5\\$(rounds=\\d{1,9}\\$)?[^$]{0,16}\\$[./0-9A-Za-z]{43}"),
        Pattern.compile("\\$6\\$(rounds=\\d{1,9}\\$)?[^$]{0,16}\\$[./0-9A-Za-z]{86}"),
        Pattern.compile("\\{SHA}[A-Za-z0-9+/]{27}="),
        Pattern.compile("\\{SSHA}[A-Za-z0-9+/]{28,}={0,2}"),
        Pattern.compile("\\{PLAIN}.+"),
        Pattern.compile("[./A-Za-z0-9]{13}"),
    };

    private static boolean known(String hash) {
        for (Pattern format : FORMATS) {
            if (format.matcher(hash).matches()) {
                return !hash.startsWith("{SSHA}") || Base64.getDecoder().decode(hash.substring(6)).length > 20;
            }
        }
        return false;
    }

    /** Whether {@code password} is the one hashed; bcrypt and the crypt(3) SHA family take milliseconds. */
    public boolean matches(String password) {
        try {
            return check(password);
        } catch (RuntimeException malformed) {
            // a hash the libraries cannot read lets nobody in
            return false;
        }
    }

    private boolean check(String password) {
        // commons-codec zeroes the bytes it is given: one array per call, used once
        byte[] given = password.getBytes(StandardCharsets.UTF_8);
        if (hash.startsWith("$2")) {
            return OpenBSDBCrypt.checkPassword(hash, given);
        }
        if (hash.startsWith("$apr1$")) {
            return same(Md5Crypt.apr1Crypt(given, salt()), hash);
        }
        if (hash.startsWith("$1$")) {
            return same(Md5Crypt.md5Crypt(given, salt()), hash);
        }
        if (hash.startsWith("$5$")) {
            return same(Sha2Crypt.sha256Crypt(given, hash), hash);
        }
        if (hash.startsWith("$6$")) {
            return same(Sha2Crypt.sha512Crypt(given, hash), hash);
        }
        if (hash.startsWith("{SHA}")) {
            return same("{SHA}" + Base64.getEncoder().encodeToString(sha1(given, new byte[0])), hash);
        }
        if (hash.startsWith("{SSHA}")) {
            byte[] decoded = Base64.getDecoder().decode(hash.substring(6));
            if (decoded.length <= 20) {
                return false;
            }
            byte[] salt = Arrays.copyOfRange(decoded, 20, decoded.length);
            return MessageDigest.isEqual(sha1(given, salt), Arrays.copyOf(decoded, 20));
        }
        if (hash.startsWith("{PLAIN}")) {
            return same("{PLAIN}" + password, hash);
        }
        return same(UnixCrypt.crypt(given, hash.substring(0, 2)), hash);
    }

    /** The hash up to its last {@code $}: the prefix and salt. */
    private String salt() {
        return hash.substring(0, hash.lastIndexOf('$'));
    }

    private static byte[] sha1(byte[] password, byte[] salt) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-1");
            digest.update(password);
            digest.update(salt);
            return digest.digest();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean same(String computed, String expected) {
        return MessageDigest.isEqual(computed.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PasswordHash that && hash.equals(that.hash);
    }

    @Override
    public int hashCode() {
        return hash.hashCode();
    }

    @Override
    public String toString() {
        // never the hash itself: policies end up in logs and MBeans
        return "PasswordHash[redacted]";
    }
}

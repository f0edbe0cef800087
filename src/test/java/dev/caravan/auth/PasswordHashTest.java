package dev.caravan.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import org.apache.commons.codec.digest.Md5Crypt;
import org.apache.commons.codec.digest.Sha2Crypt;
import org.apache.commons.codec.digest.UnixCrypt;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.Test;

/** The htpasswd hash formats nginx verifies, each with the right password and a wrong one. */
class PasswordHashTest {

    private static byte[] sha1(byte[]... parts) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-1");
        for (byte[] part : parts) {
            digest.update(part);
        }
        return digest.digest();
    }

    @Test
    void everyFormatMatchesItsPasswordOnly() throws Exception {
        byte[] password = "s3cret".getBytes(StandardCharsets.UTF_8);
        byte[] salt = "saltsalt".getBytes(StandardCharsets.UTF_8);
        byte[] salted = sha1(password, salt);
        byte[] ssha = Arrays.copyOf(salted, salted.length + salt.length);
        System.arraycopy(salt, 0, ssha, salted.length, salt.length);
        String[] hashes = {
            OpenBSDBCrypt.generate("2y", "s3cret".toCharArray(), new byte[16], 4),
            OpenBSDBCrypt.generate("2b", "s3cret".toCharArray(), new byte[16], 4),
            // commons-codec zeroes the password it is given: a fresh copy each
            Md5Crypt.apr1Crypt(password.clone()),
            Md5Crypt.md5Crypt(password.clone()),
            Sha2Crypt.sha256Crypt(password.clone()),
            Sha2Crypt.sha512Crypt(password.clone()),
            "{SHA}" + Base64.getEncoder().encodeToString(sha1(password)),
            "{SSHA}" + Base64.getEncoder().encodeToString(ssha),
            "{PLAIN}s3cret",
            UnixCrypt.crypt(password.clone(), "ab"),
        };
        for (String hash : hashes) {
            PasswordHash parsed = PasswordHash.parse(hash);
            assertThat(parsed.matches("s3cret")).as("matches " + hash).isTrue();
            assertThat(parsed.matches("s3cret ")).as(hash).isFalse();
            assertThat(parsed.matches("")).as(hash).isFalse();
            assertThat(parsed.toString()).doesNotContain(hash);
        }
    }

    @Test
    void whatIsNoHashIsRefused() {
        for (String bad : new String[] {"", "plain", "$2y$05$short", "$9$whatever", "{MD5}abc",
            "$apr1$salt$short", "$1$salt$", "$6$salt$tooshort", "{SHA}abc", "{SSHA}c2hvcnQ="}) {
            assertThatThrownBy(() -> PasswordHash.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}

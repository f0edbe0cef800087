package dev.caravan.auth;

import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a Secret holds, read one way for server certificates, their keys and certificate authorities: a field's bytes,
 * and the PEM blocks of one type in a text.
 */
public final class SecretData {

    private SecretData() {
    }

    /**
     * A data field: {@code stringData} (as written in a manifest) wins over base64 {@code data}.
     *
     * @return its bytes, or {@code null} when the Secret has none (or only blanks)
     * @throws IllegalArgumentException when {@code data} holds no base64
     */
    public static byte[] field(Secret secret, String name) {
        Map<String, String> plain = secret.getStringData();
        if (plain != null && plain.get(name) != null) {
            return plain.get(name).getBytes(StandardCharsets.UTF_8);
        }
        Map<String, String> data = secret.getData();
        String encoded = data == null ? null : data.get(name);
        if (encoded == null || encoded.isBlank()) {
            return null;
        }
        try {
            return Base64.getMimeDecoder().decode(encoded);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + " is not base64: " + e.getMessage());
        }
    }

    /**
     * The PEM blocks of {@code type} ({@code CERTIFICATE}, {@code X509 CRL}) in {@code pem}, each whole: whatever
     * else the text holds (a key pasted into the same file) is left out.
     */
    public static List<String> pemBlocks(String type, String pem) {
        Matcher block = Pattern.compile("-----BEGIN " + type + "-----[^-]+-----END " + type + "-----").matcher(pem);
        List<String> blocks = new ArrayList<>();
        while (block.find()) {
            blocks.add(block.group());
        }
        return blocks;
    }
}

package dev.caravan.auth;

import java.util.HashMap;
import java.util.Map;

/**
 * A client's answer to a Digest challenge: the parameters of its {@code Authorization: Digest} value (RFC 7616),
 * each a token or a quoted string.
 *
 * @param algorithm as the client names it, or {@code null} (MD5)
 */
public record DigestAnswer(String username, String realm, String nonce, String uri, String response, String qop,
        String nc, String cnonce, String algorithm) {

    private static final String SEPARATORS = "()<>@,;:\\\"/[]?={} \t";

    /**
     * The answer in an {@code Authorization} value, or {@code null} when it is not a Digest one, repeats a
     * parameter, or lacks one that qop=auth needs (all but {@code algorithm} and {@code opaque}).
     */
    public static DigestAnswer parse(String authorization) {
        if (authorization == null || authorization.length() < 7
                || !authorization.regionMatches(true, 0, "Digest ", 0, 7)) {
            return null;
        }
        Map<String, String> parameters = parameters(authorization, 7);
        if (parameters == null) {
            return null;
        }
        DigestAnswer answer = new DigestAnswer(parameters.get("username"), parameters.get("realm"),
                parameters.get("nonce"), parameters.get("uri"), parameters.get("response"), parameters.get("qop"),
                parameters.get("nc"), parameters.get("cnonce"), parameters.get("algorithm"));
        for (String needed : new String[] {answer.username, answer.realm, answer.nonce, answer.uri, answer.response,
            answer.qop, answer.nc, answer.cnonce}) {
            if (needed == null || needed.isEmpty()) {
                return null;
            }
        }
        return answer;
    }

    /** The parameters from {@code at} on, names in lower case; {@code null} when they do not parse. */
    private static Map<String, String> parameters(String text, int at) {
        Map<String, String> parameters = new HashMap<>();
        int i = at;
        int end = text.length();
        while (true) {
            while (i < end && (text.charAt(i) == ' ' || text.charAt(i) == '\t' || text.charAt(i) == ',')) {
                i++;
            }
            if (i == end) {
                return parameters;
            }
            int nameStart = i;
            while (i < end && isTokenChar(text.charAt(i))) {
                i++;
            }
            String name = text.substring(nameStart, i).toLowerCase(java.util.Locale.ROOT);
            i = skipBlanks(text, i);
            if (name.isEmpty() || i == end || text.charAt(i) != '=') {
                return null;
            }
            i = skipBlanks(text, i + 1);
            StringBuilder value = new StringBuilder();
            if (i < end && text.charAt(i) == '"') {
                i++;
                while (i < end && text.charAt(i) != '"') {
                    if (text.charAt(i) == '\\' && i + 1 < end) {
                        i++;
                    }
                    value.append(text.charAt(i++));
                }
                if (i == end) {
                    return null;
                }
                i++;
            } else {
                int valueStart = i;
                while (i < end && isTokenChar(text.charAt(i))) {
                    i++;
                }
                value.append(text, valueStart, i);
            }
            if (parameters.put(name, value.toString()) != null) {
                return null;
            }
            i = skipBlanks(text, i);
            if (i < end && text.charAt(i) != ',') {
                return null;
            }
        }
    }

    private static int skipBlanks(String text, int i) {
        while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    private static boolean isTokenChar(char c) {
        return c > 0x20 && c < 0x7f && SEPARATORS.indexOf(c) < 0;
    }
}

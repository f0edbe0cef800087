package dev.caravan.routing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * ingress-nginx's {@code auth-cache-key} and {@code auth-cache-duration}: the auth service's answer to one
 * request is kept, and given to the requests of the same rule whose key is the same, for as long as its
 * status is valid.
 *
 * @param key        what requests share an answer ({@code $remote_user$http_authorization}, ...)
 * @param validities how long answers are kept, by status; the first that names a status is its
 */
public record AuthCaching(RequestKey key, List<Validity> validities) {

    /** ingress-nginx's default {@code auth-cache-duration}. */
    public static final String DEFAULT_VALIDITY = "200 202 401 5m";

    private static final Pattern STATUS = Pattern.compile("[0-9]{3}");
    // one time, as ingress-nginx validates it and nginx reads it (in seconds: no ms)

    /**
     * One entry of {@code auth-cache-duration}, as nginx's {@code proxy_cache_valid}.
     *
     * @param statuses the statuses it is for; empty for any
     */
    public record Validity(Set<Integer> statuses, Duration duration) {

        public Validity {
            statuses = Set.copyOf(statuses);
        }
    }

    public AuthCaching {
        validities = List.copyOf(validities);
    }

    /** How long an answer of {@code status} is kept, or {@code null} when it is not (as for a time of 0). */
    public Duration validity(int status) {
        for (Validity validity : validities) {
            if (validity.statuses().isEmpty() || validity.statuses().contains(status)) {
                return validity.duration().isZero() ? null : validity.duration();
            }
        }
        return null;
    }

    /**
     * Parses an {@code auth-cache-duration}: comma-separated entries of statuses (or {@code any}) and one time in
     * nginx's units ({@code 30s}, {@code 5m}, {@code 2h}); an entry without statuses is for 200, 301 and 302, as
     * nginx's. Blank, it is {@link #DEFAULT_VALIDITY}.
     *
     * @throws IllegalArgumentException naming the entry that is not one
     */
    public static List<Validity> validities(String value) {
        List<Validity> validities = new ArrayList<>();
        for (String entry : (value == null || value.isBlank() ? DEFAULT_VALIDITY : value).split(",")) {
            if (!entry.isBlank()) {
                validities.add(validity(entry.trim()));
            }
        }
        return validities;
    }

    private static Validity validity(String entry) {
        String[] words = entry.split("\\s+");
        String time = words[words.length - 1];
        // a unit says which word is the time: "200 202" is no status and time
        if (!NginxTime.hasUnit(time) || time.endsWith("ms")) {
            throw new IllegalArgumentException("has '" + entry + "', which does not end in one time (as 5m, 30s,"
                    + " 1h; s, m, h, d, w, M, y)");
        }
        Set<Integer> statuses = new TreeSet<>();
        boolean any = false;
        for (int i = 0; i < words.length - 1; i++) {
            if (words[i].equals("any")) {
                any = true;
            } else if (STATUS.matcher(words[i]).matches() && Integer.parseInt(words[i]) >= 100
                    && Integer.parseInt(words[i]) <= 599) {
                statuses.add(Integer.parseInt(words[i]));
            } else {
                throw new IllegalArgumentException("has '" + entry + "', which is not [STATUS ...|any] TIME (as"
                        + " '200 202 10m', '401 30s', 'any 1m')");
            }
        }
        if (statuses.isEmpty() && !any) {
            statuses = Set.of(200, 301, 302);
        }
        return new Validity(any ? Set.of() : statuses, NginxTime.parse(time));
    }
}

package dev.caravan.routing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
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
    private static final Pattern TIME = Pattern.compile("([0-9]{1,9})(ms|s|m|h|d|w|M|y)");

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

    /** How long an answer of {@code status} is kept, or {@code null} when it is not. */
    public Duration validity(int status) {
        for (Validity validity : validities) {
            if (validity.statuses().isEmpty() || validity.statuses().contains(status)) {
                return validity.duration();
            }
        }
        return null;
    }

    /**
     * Parses an {@code auth-cache-duration}: comma-separated entries of statuses (or {@code any}) and a time in
     * nginx's units ({@code 30s}, {@code 5m}, {@code 1h 30m}); an entry without statuses is for 200, 301 and
     * 302, as nginx's. Blank, it is {@link #DEFAULT_VALIDITY}.
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
        Set<Integer> statuses = new TreeSet<>();
        boolean any = false;
        Duration duration = null;
        for (String word : entry.split("\\s+")) {
            Matcher time = TIME.matcher(word);
            if (time.matches()) {
                duration = (duration == null ? Duration.ZERO : duration).plus(time(time));
            } else if (duration == null && word.equals("any")) {
                any = true;
            } else if (duration == null && STATUS.matcher(word).matches()
                    && Integer.parseInt(word) >= 100 && Integer.parseInt(word) <= 599) {
                statuses.add(Integer.parseInt(word));
            } else {
                throw new IllegalArgumentException("has '" + entry + "', which is not [STATUS ...|any] TIME (as"
                        + " '200 202 10m', '401 30s', 'any 1m')");
            }
        }
        if (duration == null) {
            throw new IllegalArgumentException("has '" + entry + "', which gives no time (as 5m)");
        }
        if (statuses.isEmpty() && !any) {
            statuses = Set.of(200, 301, 302);
        }
        return new Validity(any ? Set.of() : statuses, duration);
    }

    private static Duration time(Matcher time) {
        long amount = Long.parseLong(time.group(1));
        return switch (time.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            case "d" -> Duration.ofDays(amount);
            case "w" -> Duration.ofDays(7 * amount);
            case "M" -> Duration.ofDays(30 * amount);
            default -> Duration.ofDays(365 * amount);
        };
    }
}

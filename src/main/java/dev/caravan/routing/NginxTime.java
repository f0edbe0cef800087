package dev.caravan.routing;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A time in nginx's units: a whole number and {@code ms}, {@code s}, {@code m}, {@code h}, {@code d}, {@code w}, {@code M} or {@code y}. */
public final class NginxTime {

    private static final Pattern TIME = Pattern.compile("([0-9]{1,9})(ms|s|m|h|d|w|M|y)?");

    private NginxTime() {
    }

    /** Whether the value is one time with its unit ({@code 30s}, not {@code 30}). */
    public static boolean hasUnit(String value) {
        Matcher time = TIME.matcher(value.trim());
        return time.matches() && time.group(2) != null;
    }

    /**
     * Parses one time; a number alone is seconds, as nginx reads it.
     *
     * @throws IllegalArgumentException when it is not one
     */
    public static Duration parse(String value) {
        Matcher time = TIME.matcher(value.trim());
        if (!time.matches()) {
            throw new IllegalArgumentException("'" + value + "' is not a time (as 30s, 5m, 1h; ms, s, m, h, d, w, M, y)");
        }
        long amount = Long.parseLong(time.group(1));
        String unit = time.group(2) == null ? "s" : time.group(2);
        return switch (unit) {
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

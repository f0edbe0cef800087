package dev.caravan.compile.annotation;

import java.util.Locale;

/** nginx's size syntax ({@code client_max_body_size}): bytes, or a number with {@code k}, {@code m} or {@code g}. */
public final class NginxSize {

    private static final long MAX = 1L << 40;

    private NginxSize() {
    }

    /** The size in bytes; 0 stays 0 (nginx: no limit). */
    public static long parse(String value) {
        String digits = value.trim().toLowerCase(Locale.ROOT);
        if (digits.isEmpty()) {
            throw new IllegalArgumentException("empty size");
        }
        long unit = 1;
        char last = digits.charAt(digits.length() - 1);
        if (last == 'k' || last == 'm' || last == 'g') {
            unit = last == 'k' ? 1L << 10 : last == 'm' ? 1L << 20 : 1L << 30;
            digits = digits.substring(0, digits.length() - 1);
        }
        long number;
        try {
            number = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size such as 8k, 10m or 1g");
        }
        if (number < 0 || number > MAX / unit) {
            throw new IllegalArgumentException("not a size such as 8k, 10m or 1g");
        }
        return number * unit;
    }
}

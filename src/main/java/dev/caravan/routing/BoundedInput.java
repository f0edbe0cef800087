package dev.caravan.routing;

/**
 * A request path as regex input with a budget: {@code java.util.regex} has no match limit (PCRE,
 * nginx's engine, has one), and an Ingress's regex such as {@code /(.*a){12}b} could otherwise hold an
 * event loop for seconds. Past the budget of character reads the match is abandoned (no match).
 */
public final class BoundedInput implements CharSequence {

    /** Character reads one match may make: ample for any sane path regex, milliseconds at worst. */
    static final int BUDGET = 1_000_000;

    /** Thrown when a match runs out of budget. */
    public static final class Exhausted extends RuntimeException {
        Exhausted() {
            super("regex match abandoned: over budget", null, false, false);
        }
    }

    private final String text;
    private final int[] reads;

    public BoundedInput(String text) {
        this(text, new int[] {0});
    }

    private BoundedInput(String text, int[] reads) {
        this.text = text;
        this.reads = reads;
    }

    @Override
    public char charAt(int index) {
        if (++reads[0] > BUDGET) {
            throw new Exhausted();
        }
        return text.charAt(index);
    }

    @Override
    public int length() {
        return text.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return new BoundedInput(text.substring(start, end), reads);
    }

    @Override
    public String toString() {
        return text;
    }
}

package dev.caravan.routing;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A path of a host in regex mode, as ingress-nginx's {@code location ~* "^path"}: a case-insensitive regex
 * anchored at the start. Most such paths are plain ({@code /}, {@code /api/}) and only share the host
 * with a regex: those are compared as ASCII-case-insensitive prefixes, as the regex would, without a
 * {@link Matcher} per request.
 */
public final class PathRegex {

    private static final String SYNTAX = "\\^$.|?*+()[]{}";

    private final Pattern pattern;
    /** The path when it has no regex syntax, else {@code null}. */
    private final String literal;
    /** Why the path is no regex, when it is taken literally for that; else {@code null}. */
    private final String notARegex;

    private PathRegex(Pattern pattern, String literal, String notARegex) {
        this.pattern = pattern;
        this.literal = literal;
        this.notARegex = notARegex;
    }

    /** {@code path} as a regex; a path that is no valid regex is taken literally, as a prefix. */
    public static PathRegex of(String path) {
        boolean plain = path.chars().noneMatch(c -> SYNTAX.indexOf(c) >= 0);
        try {
            return new PathRegex(Pattern.compile("^" + path, Pattern.CASE_INSENSITIVE), plain ? path : null, null);
        } catch (PatternSyntaxException e) {
            return new PathRegex(Pattern.compile("^" + Pattern.quote(path), Pattern.CASE_INSENSITIVE), path,
                    e.getDescription());
        }
    }

    /** Why the path was taken literally (the regex syntax error), or {@code null} when it is a regex. */
    public String notARegex() {
        return notARegex;
    }

    /** Whether the regex matches a prefix of {@code requestPath}; a match over the budget is no match. */
    public boolean lookingAt(String requestPath) {
        if (literal != null) {
            return startsWithIgnoringAsciiCase(requestPath, literal);
        }
        try {
            return pattern.matcher(new BoundedInput(requestPath)).lookingAt();
        } catch (BoundedInput.Exhausted overBudget) {
            return false;
        }
    }

    /** A matcher over {@code requestPath} within the match budget, for capture groups. */
    public Matcher matcher(String requestPath) {
        return pattern.matcher(new BoundedInput(requestPath));
    }

    /** The regex, {@code ^} and the path. */
    public String pattern() {
        return pattern.pattern();
    }

    /** As {@link Pattern#CASE_INSENSITIVE} without {@link Pattern#UNICODE_CASE}: only ASCII letters fold. */
    private static boolean startsWithIgnoringAsciiCase(String text, String prefix) {
        if (text.length() < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            char a = text.charAt(i);
            char b = prefix.charAt(i);
            if (a != b && !(isAsciiLetter(a) && (a ^ b) == 0x20)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    @Override
    public String toString() {
        return pattern.pattern();
    }

    /** Equal when made of the same path: a host compiled again from the same objects is the same host. */
    @Override
    public boolean equals(Object other) {
        return other instanceof PathRegex regex && regex.pattern.pattern().equals(pattern.pattern());
    }

    @Override
    public int hashCode() {
        return pattern.pattern().hashCode();
    }
}

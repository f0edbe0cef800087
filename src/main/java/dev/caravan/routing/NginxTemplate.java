package dev.caravan.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A value of text and nginx variables ({@code $name} or {@code ${name}}), cut into its parts. A {@code $} that starts
 * no variable name ({@code $1}, {@code ${name} without its brace}, a {@code $} alone) is refused, as nginx refuses it.
 */
public final class NginxTemplate {

    private static final Pattern VARIABLE = Pattern.compile("\\$([A-Za-z_][A-Za-z0-9_]*)|\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

    /** A part: text as written, or a variable's name, lower case (nginx's names are case-insensitive). */
    public record Part(String text, String variable) {
    }

    private NginxTemplate() {
    }

    /** The parts of {@code template}; throws {@link IllegalArgumentException} at a {@code $} that is no variable. */
    public static List<Part> parts(String template) {
        List<Part> parts = new ArrayList<>();
        Matcher matcher = VARIABLE.matcher(template);
        int at = 0;
        while (matcher.find()) {
            text(template.substring(at, matcher.start()), parts);
            String name = matcher.group(1) != null ? matcher.group(1) : matcher.group(2);
            parts.add(new Part(null, name.toLowerCase(Locale.ROOT)));
            at = matcher.end();
        }
        text(template.substring(at), parts);
        return parts;
    }

    private static void text(String text, List<Part> parts) {
        if (text.indexOf('$') >= 0) {
            throw new IllegalArgumentException("has a '$' that is not a variable");
        }
        if (!text.isEmpty()) {
            parts.add(new Part(text, null));
        }
    }
}

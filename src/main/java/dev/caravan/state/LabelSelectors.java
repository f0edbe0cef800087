package dev.caravan.state;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kubernetes label selectors in their text form, read into fabric8's {@link LabelSelector} (for a watch, and to match
 * objects' labels with): requirements
 * separated by commas, each {@code key}, {@code !key}, {@code key=value}, {@code key==value}, {@code key!=value},
 * {@code key in (a,b)} or {@code key notin (a,b)}. Read at start, so that a typo is a clear error rather than an
 * informer that never lists.
 */
public final class LabelSelectors {

    /** A label key: an optional DNS-subdomain prefix and a slash, then a name of up to 63 characters. */
    private static final String KEY = "((?:[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)";
    private static final String VALUE = "(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?";
    private static final Pattern EXISTS = Pattern.compile("(!?)\\s*" + KEY);
    private static final Pattern EQUALS = Pattern.compile(KEY + "\\s*(=|==|!=)\\s*(" + VALUE + ")");
    private static final Pattern SET = Pattern.compile(KEY + "\\s+(in|notin)\\s*\\(\\s*(" + VALUE + "(?:\\s*,\\s*"
            + VALUE + ")*)\\s*\\)");

    private LabelSelectors() {
    }

    /** @throws IllegalArgumentException naming the first requirement that is none */
    public static LabelSelector parse(String selector) {
        List<LabelSelectorRequirement> expressions = new ArrayList<>();
        List<String> requirements = split(selector);
        if (requirements.stream().allMatch(String::isBlank)) {
            throw new IllegalArgumentException("'" + selector + "' is no label selector");
        }
        for (String requirement : requirements) {
            String text = requirement.trim();
            Matcher exists = EXISTS.matcher(text);
            Matcher equals = EQUALS.matcher(text);
            Matcher set = SET.matcher(text);
            if (exists.matches()) {
                expressions.add(new LabelSelectorRequirement(exists.group(2),
                        exists.group(1).isEmpty() ? "Exists" : "DoesNotExist", List.of()));
            } else if (equals.matches() && !equals.group(2).equals("!=")) {
                // an expression, not matchLabels: team=a,team=b must select nothing, as the API server's does
                expressions.add(new LabelSelectorRequirement(equals.group(1), "In", List.of(equals.group(3))));
            } else if (equals.matches()) {
                expressions.add(new LabelSelectorRequirement(equals.group(1), "NotIn", List.of(equals.group(3))));
            } else if (set.matches()) {
                expressions.add(new LabelSelectorRequirement(set.group(1), set.group(2).equals("in") ? "In" : "NotIn",
                        Arrays.stream(set.group(3).split(",")).map(String::trim).toList()));
            } else {
                throw new IllegalArgumentException("'" + text + "' is not a label selector requirement");
            }
        }
        return new LabelSelectorBuilder().withMatchExpressions(expressions).build();
    }

    /** Whether labels (possibly {@code null}) satisfy every requirement of the selector, as the API server reads it. */
    public static boolean matches(LabelSelector selector, Map<String, String> labels) {
        Map<String, String> present = labels == null ? Map.of() : labels;
        if (selector.getMatchLabels() != null) {
            for (Map.Entry<String, String> wanted : selector.getMatchLabels().entrySet()) {
                if (!wanted.getValue().equals(present.get(wanted.getKey()))) {
                    return false;
                }
            }
        }
        if (selector.getMatchExpressions() != null) {
            for (LabelSelectorRequirement requirement : selector.getMatchExpressions()) {
                String value = present.get(requirement.getKey());
                boolean ok = switch (requirement.getOperator()) {
                    case "In" -> value != null && requirement.getValues().contains(value);
                    case "NotIn" -> value == null || !requirement.getValues().contains(value);
                    case "Exists" -> value != null;
                    case "DoesNotExist" -> value == null;
                    default -> false;
                };
                if (!ok) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The requirements: split at the commas outside parentheses. */
    private static List<String> split(String selector) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < selector.length(); i++) {
            char c = selector.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(selector.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(selector.substring(start));
        // an empty requirement (a=b,,c or a trailing comma) is kept, and refused, as the API server refuses it
        return parts;
    }
}

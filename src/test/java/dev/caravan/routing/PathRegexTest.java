package dev.caravan.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class PathRegexTest {

    /** Characters that case folding could confuse: ASCII letters, 'ſ' (folds to S), 'K' (Kelvin, to k), 'ı'. */
    private static final String ALPHABET = "/aAbBkKsSiI-_%9\u017f\u212a\u0131";

    @Test
    void aPlainPathMatchesExactlyAsItsCaseInsensitiveRegex() {
        Random random = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            String path = "/" + word(random, 1 + random.nextInt(5));
            String request = random.nextInt(3) == 0 ? mutateCase(random, path) + word(random, random.nextInt(4))
                    : "/" + word(random, random.nextInt(8));
            boolean byRegex = Pattern.compile("^" + path, Pattern.CASE_INSENSITIVE).matcher(request).lookingAt();
            assertThat(PathRegex.of(path).lookingAt(request)).as("%s against %s", path, request).isEqualTo(byRegex);
        }
    }

    @Test
    void regexSyntaxGoesThroughTheRegexEngine() {
        PathRegex versioned = PathRegex.of("/v1.0/");
        assertThat(versioned.lookingAt("/V1x0/users")).isTrue();
        PathRegex groups = PathRegex.of("/api(/|$)(.*)");
        assertThat(groups.lookingAt("/API")).isTrue();
        assertThat(groups.lookingAt("/apix")).isFalse();
        var matcher = groups.matcher("/api/users");
        assertThat(matcher.lookingAt()).isTrue();
        assertThat(matcher.group(2)).isEqualTo("users");
    }

    @Test
    void aPathThatIsNoRegexIsAPrefixTakenLiterally() {
        PathRegex broken = PathRegex.of("/a[b");
        assertThat(broken.lookingAt("/A[B/c")).isTrue();
        assertThat(broken.lookingAt("/ab")).isFalse();
    }

    @Test
    void aRunawayRegexIsNoMatch() {
        assertThat(PathRegex.of("/(.*a){12}b").lookingAt("/" + "a".repeat(40))).isFalse();
    }

    private static String word(Random random, int length) {
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < length; i++) {
            word.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return word.toString();
    }

    private static String mutateCase(Random random, String text) {
        StringBuilder mutated = new StringBuilder();
        for (char c : text.toCharArray()) {
            mutated.append(random.nextBoolean() ? Character.toUpperCase(c) : Character.toLowerCase(c));
        }
        return mutated.toString();
    }
}

package dev.caravan.compile;

import static dev.caravan.compile.Fixtures.app;
import static dev.caravan.compile.Fixtures.caravanClass;
import static dev.caravan.compile.Fixtures.ingress;
import static dev.caravan.compile.Fixtures.prefix;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.routing.ObjectRef;
import org.junit.jupiter.api.Test;

/** What a problem says quotes an Ingress's values; a line break there cannot begin a log line of its own. */
class ProblemTest {

    @Test
    void controlCharactersOfAMessageAreEscaped() {
        Problem problem = Problem.warning(new ObjectRef("default", "x"), Problem.INVALID_ANNOTATION,
                "upstream-vhost 'ok.test\r\n12:00:00.000 INFO  forged' is no host\u007f\t");
        assertThat(problem.message()).isEqualTo("upstream-vhost 'ok.test\\x0D\\x0A12:00:00.000 INFO  forged' is no"
                + " host\\x7F\\x09");
        assertThat(problem.toString()).doesNotContain("\n", "\r");
    }

    @Test
    void anAnnotationValueWithALineBreakIsToldOnOneLine() {
        var state = Fixtures.state(caravanClass(), app("default/foo", "10.0.0.1"), ingress("default/web")
                .annotation("nginx.ingress.kubernetes.io/upstream-vhost", "ok.test\r\nX-Injected: 1")
                .rule("example.com", prefix("/", "foo:80")));
        var problems = new IngressCompiler(Fixtures.settings()).compile(state, Compilation.EMPTY).problems();
        assertThat(problems).anySatisfy(problem -> assertThat(problem.message()).contains("upstream-vhost")
                .contains("\\x0D\\x0AX-Injected"));
        assertThat(problems).allSatisfy(problem -> assertThat(problem.toString()).doesNotContain("\n", "\r"));
    }
}

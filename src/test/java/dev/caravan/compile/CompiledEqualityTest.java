package dev.caravan.compile;

import static dev.caravan.compile.Fixtures.app;
import static dev.caravan.compile.Fixtures.ingress;
import static dev.caravan.compile.Fixtures.prefix;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.routing.HostRoutes;
import dev.caravan.routing.PathRule;
import org.junit.jupiter.api.Test;

/**
 * A host compiled twice from the same objects is equal to itself, whatever its annotations: the table's change
 * (the log line, the change events, the certificates served again) names only the hosts that did change.
 */
class CompiledEqualityTest {

    private static final String P = "nginx.ingress.kubernetes.io/";

    @Test
    void aHostCompiledTwiceFromTheSameObjectsIsEqual() {
        CompilerCase same = CompilerCase.named("every kind of annotation value")
                .given(app("default/web", "10.0.0.1"),
                        ingress("default/regex").annotation(P + "use-regex", "true")
                                .annotation(P + "rewrite-target", "/$2")
                                .annotation(P + "whitelist-source-range", "10.0.0.0/8,192.168.1.1")
                                .annotation(P + "denylist-source-range", "10.1.0.0/16")
                                .annotation(P + "upstream-hash-by", "$request_uri")
                                .annotation(P + "enable-cors", "true")
                                .annotation(P + "limit-rps", "5").annotation(P + "limit-whitelist", "10.2.0.0/16")
                                .annotation(P + "permanent-redirect", "https://x.test$uri")
                                .rule("regex.test", prefix("/api(/|$)(.*)", "web:80")),
                        ingress("default/auth").annotation(P + "auth-url", "https://auth.test/check?u=$request_uri")
                                .annotation(P + "mirror-target", "https://m.test$request_uri")
                                .annotation(P + "affinity", "cookie")
                                .annotation(P + "custom-http-errors", "404,503")
                                .rule("auth.test", prefix("/", "web:80")));
        HostRoutes[] first = {same.compile().table().exactHosts().get("regex.test"),
            same.compile().table().exactHosts().get("auth.test")};
        HostRoutes[] second = {same.compile().table().exactHosts().get("regex.test"),
            same.compile().table().exactHosts().get("auth.test")};
        for (int i = 0; i < first.length; i++) {
            PathRule a = first[i].rules().get(0);
            PathRule b = second[i].rules().get(0);
            assertThat(a.regex()).isEqualTo(b.regex());
            for (var component : a.policy().getClass().getRecordComponents()) {
                try {
                    assertThat(component.getAccessor().invoke(a.policy())).as(component.getName())
                            .isEqualTo(component.getAccessor().invoke(b.policy()));
                } catch (ReflectiveOperationException e) {
                    throw new AssertionError(e);
                }
            }
            assertThat(a).isEqualTo(b);
            assertThat(first[i]).isEqualTo(second[i]);
        }
    }
}

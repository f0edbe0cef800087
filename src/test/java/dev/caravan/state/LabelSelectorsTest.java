package dev.caravan.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LabelSelectorsTest {

    @Test
    void everyOperatorIsReadAndMatchedAsTheApiServerDoes() {
        LabelSelector selector = LabelSelectors.parse(
                "team=a, tier==web,env in (prod, staging),zone notin (x),region!=eu,managed,!legacy");
        Map<String, String> labels = Map.of("team", "a", "tier", "web", "env", "prod", "zone", "y", "region", "us",
                "managed", "");
        assertThat(LabelSelectors.matches(selector, labels)).isTrue();
        assertThat(LabelSelectors.matches(selector, with(labels, "team", "b"))).isFalse();
        assertThat(LabelSelectors.matches(selector, with(labels, "env", "dev"))).isFalse();
        assertThat(LabelSelectors.matches(selector, with(labels, "zone", "x"))).isFalse();
        assertThat(LabelSelectors.matches(selector, with(labels, "region", "eu"))).isFalse();
        assertThat(LabelSelectors.matches(selector, with(labels, "legacy", "true"))).isFalse();
        assertThat(LabelSelectors.matches(selector, null)).isFalse();
        // every requirement holds: one key asked two values selects nothing
        assertThat(LabelSelectors.matches(LabelSelectors.parse("team=a,team=b"), Map.of("team", "b"))).isFalse();
        // a label absent is not in a notin's values nor equal to a != value
        assertThat(LabelSelectors.matches(LabelSelectors.parse("zone notin (x),region!=eu"), Map.of())).isTrue();
        assertThat(LabelSelectors.matches(LabelSelectors.parse("example.com/team=a"), Map.of("example.com/team", "a")))
                .isTrue();
    }

    @Test
    void whatIsNoRequirementIsNamed() {
        assertThatThrownBy(() -> LabelSelectors.parse("team=a,env in (prod")).hasMessage(
                "'env in (prod' is not a label selector requirement");
        assertThatThrownBy(() -> LabelSelectors.parse("=a")).hasMessage("'=a' is not a label selector requirement");
        assertThatThrownBy(() -> LabelSelectors.parse("team=a b")).hasMessage(
                "'team=a b' is not a label selector requirement");
        assertThatThrownBy(() -> LabelSelectors.parse(" , ")).hasMessage("' , ' is no label selector");
        // an empty requirement, as the API server refuses it
        assertThatThrownBy(() -> LabelSelectors.parse("a=b,,c")).hasMessage("'' is not a label selector requirement");
        assertThatThrownBy(() -> LabelSelectors.parse("a=b,")).hasMessage("'' is not a label selector requirement");
    }

    private static Map<String, String> with(Map<String, String> labels, String key, String value) {
        Map<String, String> changed = new HashMap<>(labels);
        changed.put(key, value);
        return changed;
    }
}

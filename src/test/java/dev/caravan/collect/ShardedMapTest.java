package dev.caravan.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ShardedMapTest {

    @Test
    void behavesAsAHashMapThroughRandomEditsAndLeavesEveryEarlierVersionAsItWas() {
        Random random = new Random(7);
        Map<Integer, String> expected = new HashMap<>();
        ShardedMap<Integer, String> map = ShardedMap.of();
        for (int round = 0; round < 200; round++) {
            Map<Integer, String> before = new HashMap<>(expected);
            ShardedMap<Integer, String> older = map;
            ShardedMap.Editor<Integer, String> editor = map.edit();
            Set<Integer> touched = new HashSet<>();
            for (int i = 0; i < 1 + random.nextInt(50); i++) {
                int key = random.nextInt(5_000);
                if (random.nextInt(3) == 0) {
                    editor.remove(key);
                    expected.remove(key);
                } else {
                    String value = "v" + random.nextInt(1_000_000);
                    editor.put(key, value);
                    expected.put(key, value);
                }
                touched.add(key);
            }
            map = editor.build();

            assertThat(map).isEqualTo(expected).hasSameSizeAs(expected);
            assertThat(older).as("the version edited from").isEqualTo(before);
            Set<Integer> changed = new HashSet<>();
            map.forEachChangedKey(older, changed::add);
            Set<Integer> reallyChanged = new HashSet<>();
            touched.forEach(key -> {
                if (before.get(key) != expected.get(key)) {
                    reallyChanged.add(key);
                }
            });
            assertThat(changed).isEqualTo(reallyChanged);
        }
        for (Map.Entry<Integer, String> entry : expected.entrySet()) {
            assertThat(map.get(entry.getKey())).isEqualTo(entry.getValue());
            assertThat(map.containsKey(entry.getKey())).isTrue();
        }
        assertThat(map.containsKey(-1)).isFalse();
    }

    @Test
    void aCopyOfAShardedMapIsTheMapAndAnEditorIsUsedOnce() {
        ShardedMap<String, String> map = ShardedMap.copyOf(Map.of("a", "1", "b", "2"));
        assertThat(ShardedMap.copyOf(map)).isSameAs(map);
        ShardedMap.Editor<String, String> editor = map.edit().put("c", "3");
        editor.build();
        assertThatThrownBy(() -> editor.put("d", "4")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> map.put("d", "4")).isInstanceOf(UnsupportedOperationException.class);
    }
}

package dev.caravan.collect;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * An immutable map whose next version shares everything a change did not touch: the entries are spread over
 * a fixed number of small hash maps (shards), and an {@link Editor} copies only the shards it writes to. A
 * version with a few changes costs a few shards, however large the map, which is what lets a routing table of
 * 40,000 hosts take one host's change without copying the other 39,999. Lookups are a shard index and a
 * {@link HashMap} lookup.
 *
 * <p>Shards are never changed once the map is made; the map is safe to share between threads.
 */
public final class ShardedMap<K, V> extends AbstractMap<K, V> {

    private static final int SHARD_BITS = 10;
    private static final int SHARDS = 1 << SHARD_BITS;
    private static final Map<?, ?> NO_ENTRIES = Map.of();
    private static final ShardedMap<?, ?> EMPTY = new ShardedMap<>(emptyShards(), 0);

    private final Map<K, V>[] shards;
    private final int size;
    private Set<Entry<K, V>> entries;

    private ShardedMap(Map<K, V>[] shards, int size) {
        this.shards = shards;
        this.size = size;
    }

    @SuppressWarnings("unchecked")
    public static <K, V> ShardedMap<K, V> of() {
        return (ShardedMap<K, V>) EMPTY;
    }

    /** The map itself if it is one, else a sharded copy. */
    public static <K, V> ShardedMap<K, V> copyOf(Map<? extends K, ? extends V> map) {
        if (map instanceof ShardedMap) {
            @SuppressWarnings("unchecked")
            ShardedMap<K, V> sharded = (ShardedMap<K, V>) map;
            return sharded;
        }
        Editor<K, V> editor = ShardedMap.<K, V>of().edit();
        map.forEach(editor::put);
        return editor.build();
    }

    /** An editor starting from this map; this map does not change. */
    public Editor<K, V> edit() {
        return new Editor<>(this);
    }

    @Override
    public V get(Object key) {
        return shards[index(key)].get(key);
    }

    @Override
    public boolean containsKey(Object key) {
        return shards[index(key)].containsKey(key);
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public void forEach(BiConsumer<? super K, ? super V> action) {
        for (Map<K, V> shard : shards) {
            if (!shard.isEmpty()) {
                shard.forEach(action);
            }
        }
    }

    /**
     * Calls {@code action} for every key whose entry differs between {@code older} and this map (added,
     * removed, or mapped to another object), looking only into shards that are not shared between the two.
     */
    public void forEachChangedKey(ShardedMap<K, V> older, java.util.function.Consumer<K> action) {
        for (int i = 0; i < SHARDS; i++) {
            Map<K, V> now = shards[i];
            Map<K, V> before = older.shards[i];
            if (now == before) {
                continue;
            }
            now.forEach((key, value) -> {
                if (before.get(key) != value) {
                    action.accept(key);
                }
            });
            for (K key : before.keySet()) {
                if (!now.containsKey(key)) {
                    action.accept(key);
                }
            }
        }
    }

    /** {@link #forEachChangedKey} between any two maps; those that are not sharded are copied first. */
    public static <K, V> void forEachChangedKey(Map<K, V> older, Map<K, V> newer, java.util.function.Consumer<K> action) {
        copyOf(newer).forEachChangedKey(copyOf(older), action);
    }

    @Override
    public Set<Entry<K, V>> entrySet() {
        if (entries == null) {
            entries = new AbstractSet<>() {
                @Override
                public Iterator<Entry<K, V>> iterator() {
                    return new EntryIterator();
                }

                @Override
                public int size() {
                    return size;
                }
            };
        }
        return entries;
    }

    /**
     * The shard of a key: the top bits of its hash, mixed (MurmurHash3's finaliser) so that small hashes spread
     * too. Not the low bits, which each shard's HashMap uses: keys sharing those would share one bucket.
     */
    private static int index(Object key) {
        int hash = Objects.hashCode(key);
        hash ^= hash >>> 16;
        hash *= 0x85ebca6b;
        hash ^= hash >>> 13;
        hash *= 0xc2b2ae35;
        hash ^= hash >>> 16;
        return hash >>> (Integer.SIZE - SHARD_BITS);
    }

    @SuppressWarnings("unchecked")
    private static <K, V> Map<K, V>[] emptyShards() {
        Map<K, V>[] shards = new Map[SHARDS];
        Arrays.fill(shards, NO_ENTRIES);
        return shards;
    }

    /** Read-only: entries are copies, and {@code remove} is not supported. */
    private final class EntryIterator implements Iterator<Entry<K, V>> {
        private int shard = -1;
        private Iterator<Entry<K, V>> current = java.util.Collections.emptyIterator();

        @Override
        public boolean hasNext() {
            while (!current.hasNext()) {
                do {
                    if (++shard >= SHARDS) {
                        return false;
                    }
                } while (shards[shard].isEmpty());
                current = shards[shard].entrySet().iterator();
            }
            return true;
        }

        @Override
        public Entry<K, V> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return new SimpleImmutableEntry<>(current.next());
        }
    }

    /** Makes the next version of a map: writes copy a shard the first time they touch it. Not thread-safe. */
    public static final class Editor<K, V> {

        private final Map<K, V>[] shards;
        private final boolean[] owned = new boolean[SHARDS];
        private int size;
        private boolean built;

        private Editor(ShardedMap<K, V> from) {
            this.shards = from.shards.clone();
            this.size = from.size;
        }

        public V get(K key) {
            return shards[index(key)].get(key);
        }

        public Editor<K, V> put(K key, V value) {
            Objects.requireNonNull(value, "value");
            if (writable(index(key)).put(key, value) == null) {
                size++;
            }
            return this;
        }

        public Editor<K, V> remove(K key) {
            int index = index(key);
            if (shards[index].containsKey(key) && writable(index).remove(key) != null) {
                size--;
            }
            return this;
        }

        /** The map as edited; the editor cannot be used after. */
        public ShardedMap<K, V> build() {
            if (built) {
                throw new IllegalStateException("already built");
            }
            built = true;
            return new ShardedMap<>(shards, size);
        }

        private Map<K, V> writable(int index) {
            if (built) {
                throw new IllegalStateException("already built");
            }
            if (!owned[index]) {
                shards[index] = new HashMap<>(shards[index]);
                owned[index] = true;
            }
            return shards[index];
        }
    }
}

package dev.caravan.source;

import dev.caravan.routing.ObjectRef;
import dev.caravan.state.Change;
import dev.caravan.state.ClusterState;
import dev.caravan.state.ClusterStateStore;
import dev.caravan.state.ResourceKind;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A folder of manifests as a source of cluster state. Each scan compares every file's size and
 * modification time with the last scan and re-reads only what changed, so a scan is cheap enough to
 * run every second; polling also sees ConfigMap volume updates (symlink swaps) that file-system
 * events can miss.
 *
 * <p>A file is the unit of change: a file that fails to parse is reported and its last good content
 * stays in force. An object defined in two files is served from the file that defined it first.
 * Not thread-safe: scans run on one thread (the source route's).
 */
public final class ManifestFolder implements StateSource {

    private static final Logger LOG = LoggerFactory.getLogger(ManifestFolder.class);

    private record Stamp(long modified, long size) {
    }

    private record ObjectKey(ResourceKind kind, ObjectRef ref) {
        static ObjectKey of(HasMetadata object) {
            return new ObjectKey(ResourceKind.of(object), ClusterState.refOf(object));
        }
    }

    private final Path folder;
    private final ClusterStateStore store;
    private final ManifestParser parser = new ManifestParser();
    private final Map<Path, Stamp> stamps = new HashMap<>();
    private final Map<Path, List<HasMetadata>> contents = new HashMap<>();
    private Map<ObjectKey, HasMetadata> inForce = Map.of();
    private volatile boolean loaded;
    private volatile long loadedVersion;
    private volatile Runnable onSynced = () -> { };

    public ManifestFolder(Path folder, ClusterStateStore store) {
        this.folder = folder;
        this.store = store;
    }

    public Path folder() {
        return folder;
    }

    /** Whether the folder has been read once, with or without errors. */
    @Override
    public boolean synced() {
        return loaded;
    }

    /** The cluster-state version that holds the folder's first complete read. */
    @Override
    public long syncedVersion() {
        return loadedVersion;
    }

    @Override
    public void onSynced(Runnable callback) {
        this.onSynced = callback;
    }

    /** Reads whatever changed since the last scan and applies it to the store as one new state version. */
    public void scan() {
        Map<Path, Stamp> current = listManifests();
        boolean changed = false;
        for (Path gone : new ArrayList<>(stamps.keySet())) {
            if (!current.containsKey(gone)) {
                LOG.info("Manifest file {} removed", gone);
                stamps.remove(gone);
                contents.remove(gone);
                changed = true;
            }
        }
        for (Map.Entry<Path, Stamp> file : current.entrySet()) {
            if (!file.getValue().equals(stamps.get(file.getKey()))) {
                stamps.put(file.getKey(), file.getValue());
                changed |= read(file.getKey());
            }
        }
        if (changed) {
            Map<ObjectKey, HasMetadata> next = collect();
            List<Change> changes = diff(inForce, next);
            inForce = next;
            store.apply(changes);
        }
        if (!loaded) {
            loadedVersion = store.version();
            loaded = true;
            onSynced.run();
        }
    }

    /** Whether a file of the folder is one of its manifests: YAML or JSON, not hidden (a ConfigMap volume's ..data). */
    static boolean isManifest(Path file) {
        String name = file.getFileName().toString();
        return !name.startsWith(".") && (name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json"))
                && Files.isRegularFile(file);
    }

    private Map<Path, Stamp> listManifests() {
        Map<Path, Stamp> files = new TreeMap<>();
        try (Stream<Path> entries = Files.list(folder)) {
            for (Path file : entries.collect(Collectors.toList())) {
                if (isManifest(file)) {
                    BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                    files.put(file, new Stamp(attributes.lastModifiedTime().toMillis(), attributes.size()));
                }
            }
        } catch (IOException e) {
            LOG.warn("Cannot list manifest folder {}: {}; keeping what was read before", folder, e.toString());
            return new TreeMap<>(stamps);
        }
        return files;
    }

    /** Re-reads one file; returns whether its content in force changed. */
    private boolean read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            LOG.warn("{}: cannot be read ({}); its last good content stays in force", file, e.toString());
            return false;
        }
        ManifestParser.Result result = parser.parse(text);
        if (!result.errors().isEmpty()) {
            for (String error : result.errors()) {
                LOG.warn("{}:{}", file, error.startsWith("line ") ? error.substring(5) : " " + error);
            }
            LOG.warn("{}: rejected; its last good content ({} objects) stays in force", file,
                    contents.getOrDefault(file, List.of()).size());
            return false;
        }
        LOG.info("Read {}: {} object{}{}", file, result.objects().size(), result.objects().size() == 1 ? "" : "s",
                result.skipped() > 0 ? ", " + result.skipped() + " of kinds Caravan does not watch skipped" : "");
        contents.put(file, result.objects());
        return true;
    }

    /** Every object in force, each from the first file (by name) that defines it. */
    private Map<ObjectKey, HasMetadata> collect() {
        Map<ObjectKey, HasMetadata> objects = new LinkedHashMap<>();
        Map<ObjectKey, Path> owners = new HashMap<>();
        for (Path file : new TreeMap<>(contents).keySet()) {
            for (HasMetadata object : contents.get(file)) {
                ObjectKey key = ObjectKey.of(object);
                Path owner = owners.putIfAbsent(key, file);
                if (owner == null) {
                    stampCreation(object, key, file);
                    objects.put(key, object);
                } else {
                    LOG.warn("{}: {} {} is also defined in {}; the definition in {} is used", file,
                            key.kind().kindName(), key.ref(), owner, owner);
                }
            }
        }
        return objects;
    }

    /**
     * As the API server does on create: an object whose manifest gives no creationTimestamp is given one, so that
     * where two Ingresses contend the older wins here too, not the one whose name sorts first. It is the time its
     * file was last written when the object was first read, and it is kept while the object stays: after a restart,
     * or on another replica reading the same files, the same objects are as old as their files.
     */
    private void stampCreation(HasMetadata object, ObjectKey key, Path file) {
        ObjectMeta metadata = object.getMetadata();
        String given = metadata.getCreationTimestamp();
        if (given != null && !given.isEmpty()) {
            try {
                Instant.parse(given);
                return;
            } catch (DateTimeParseException unparsable) {
                // the API server refuses it; taken as the earliest time, it would win every contest unseen
                LOG.warn("{}: {} {} has creationTimestamp '{}', which is no RFC 3339 time (as 2024-01-31T23:59:59Z);"
                        + " it is taken as missing", file, key.kind().kindName(), key.ref(), given);
            }
        }
        HasMetadata before = inForce.get(key);
        String created = before == null ? null : before.getMetadata().getCreationTimestamp();
        Stamp written = stamps.get(file);
        metadata.setCreationTimestamp(created != null ? created
                : Instant.ofEpochMilli(written == null ? 0 : written.modified()).truncatedTo(ChronoUnit.SECONDS)
                        .toString());
    }

    private static List<Change> diff(Map<ObjectKey, HasMetadata> before, Map<ObjectKey, HasMetadata> after) {
        List<Change> changes = new ArrayList<>();
        for (Map.Entry<ObjectKey, HasMetadata> entry : after.entrySet()) {
            if (!entry.getValue().equals(before.get(entry.getKey()))) {
                changes.add(Change.upsert(entry.getValue()));
            }
        }
        Set<ObjectKey> removed = before.keySet().stream().filter(k -> !after.containsKey(k)).collect(Collectors.toSet());
        for (ObjectKey key : removed) {
            changes.add(Change.delete(before.get(key)));
        }
        return changes;
    }
}

package dev.caravan.deploy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The part of kustomize that k8s/ uses, so the tests see what {@code kubectl apply -k} applies without
 * needing kubectl: {@code resources} (files and directories) and {@code patches} given as JSON 6902 files
 * with a target. Any other kustomization field is refused rather than silently ignored. Where kubectl
 * exists, DeploymentManifestsTest compares this with {@code kubectl kustomize}.
 */
final class Kustomize {

    static final String KUSTOMIZATION = "kustomization.yaml";
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Set<String> FIELDS = Set.of("apiVersion", "kind", "resources", "patches");

    /** What a kustomization directory renders to, and the files it read. */
    record Build(List<ObjectNode> objects, Set<Path> files) {
    }

    private Kustomize() {
    }

    /** Renders a directory holding a kustomization.yaml. */
    static Build build(Path dir) {
        Build build = new Build(new ArrayList<>(), new TreeSet<>());
        render(dir.toAbsolutePath().normalize(), build);
        return build;
    }

    private static void render(Path dir, Build build) {
        Path file = dir.resolve(KUSTOMIZATION);
        JsonNode kustomization = readDocuments(file, build).get(0);
        kustomization.fieldNames().forEachRemaining(field -> {
            if (!FIELDS.contains(field)) {
                throw new IllegalArgumentException(file + ": '" + field + "' is not rendered by the tests' Kustomize");
            }
        });
        Map<String, ObjectNode> objects = new LinkedHashMap<>();
        for (JsonNode entry : kustomization.path("resources")) {
            Path resource = dir.resolve(entry.asText()).normalize();
            List<ObjectNode> rendered = new ArrayList<>();
            if (Files.isDirectory(resource)) {
                Build inner = new Build(rendered, build.files());
                render(resource, inner);
            } else {
                for (JsonNode document : readDocuments(resource, build)) {
                    rendered.add((ObjectNode) document);
                }
            }
            for (ObjectNode object : rendered) {
                if (objects.putIfAbsent(id(object), object) != null) {
                    throw new IllegalArgumentException(resource + ": " + id(object) + " is defined twice");
                }
            }
        }
        for (JsonNode patch : kustomization.path("patches")) {
            applyPatch(dir, patch, objects.values(), build);
        }
        build.objects().addAll(objects.values());
    }

    private static void applyPatch(Path dir, JsonNode patch, Iterable<ObjectNode> objects, Build build) {
        Path file = dir.resolve(patch.path("path").asText()).normalize();
        JsonNode operations = readDocuments(file, build).get(0);
        JsonNode target = patch.path("target");
        if (!operations.isArray() || target.isMissingNode()) {
            throw new IllegalArgumentException(file + ": only JSON 6902 patches with a target are rendered");
        }
        int matched = 0;
        for (ObjectNode object : objects) {
            if (matches(target, object)) {
                JsonNode patched = JsonPatch.apply(operations, object);
                object.removeAll();
                object.setAll((ObjectNode) patched);
                matched++;
            }
        }
        if (matched == 0) {
            throw new IllegalArgumentException(file + ": its target " + target + " matches no object");
        }
    }

    private static boolean matches(JsonNode target, ObjectNode object) {
        for (Map.Entry<String, String> field : Map.of("kind", "/kind", "name", "/metadata/name",
                "namespace", "/metadata/namespace").entrySet()) {
            JsonNode wanted = target.get(field.getKey());
            if (wanted != null && !wanted.asText().equals(object.at(field.getValue()).asText())) {
                return false;
            }
        }
        return true;
    }

    private static List<JsonNode> readDocuments(Path file, Build build) {
        build.files().add(file);
        return readDocuments(file);
    }

    /** The non-empty YAML documents of a file. */
    static List<JsonNode> readDocuments(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + " does not exist");
        }
        List<JsonNode> documents;
        try {
            documents = documents(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(file + " does not parse", e);
        }
        if (documents.isEmpty()) {
            throw new IllegalArgumentException(file + " is empty");
        }
        return documents;
    }

    /** The objects of a YAML text, such as {@code kubectl kustomize}'s output. */
    static List<ObjectNode> parse(String yaml) throws IOException {
        List<ObjectNode> objects = new ArrayList<>();
        for (JsonNode document : documents(yaml)) {
            objects.add((ObjectNode) document);
        }
        return objects;
    }

    /** The non-empty documents of a YAML text, one node each (a document that is a list stays a list). */
    private static List<JsonNode> documents(String yaml) throws IOException {
        List<JsonNode> documents = new ArrayList<>();
        try (JsonParser parser = YAML.createParser(yaml)) {
            while (parser.nextToken() != null) {
                JsonNode document = YAML.readTree(parser);
                if (document != null && !document.isNull() && !document.isMissingNode()) {
                    documents.add(document);
                }
            }
        }
        return documents;
    }

    /** kind/namespace/name, as kustomize identifies an object. */
    static String id(JsonNode object) {
        return object.path("kind").asText() + "/" + object.at("/metadata/namespace").asText() + "/"
                + object.at("/metadata/name").asText();
    }

    /** The objects by id, for comparing renderings whatever their order. */
    static Map<String, JsonNode> byId(List<ObjectNode> objects) {
        Map<String, JsonNode> byId = new TreeMap<>();
        objects.forEach(object -> byId.put(id(object), object));
        return byId;
    }
}

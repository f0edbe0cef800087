package dev.caravan.source;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.state.ResourceKind;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;

/**
 * Reads one manifest file: YAML (several documents allowed) or JSON, a single object or a
 * {@code List}. Objects of kinds Caravan does not watch are skipped; anything malformed is an error
 * naming the line where it is known.
 */
public final class ManifestParser {

    private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("---(\\s.*)?");

    private final KubernetesSerialization serialization = new KubernetesSerialization();

    /**
     * What a file holds: the watched objects in it, or the errors that make it unusable.
     *
     * @param notObjects how many of the errors are documents that are no Kubernetes object at all (a Helm chart's
     *                   values, a kustomization without kind), rather than YAML that does not parse or an object of a
     *                   watched kind that cannot be read
     */
    public record Result(List<HasMetadata> objects, List<String> errors, int skipped, int notObjects) {
    }

    public Result parse(String content) {
        List<HasMetadata> objects = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        int[] skipped = {0, 0};
        String[] lines = content.split("\r?\n", -1);
        StringBuilder document = new StringBuilder();
        int documentStart = 1;
        for (int i = 0; i <= lines.length; i++) {
            boolean end = i == lines.length;
            if (end || DOCUMENT_SEPARATOR.matcher(lines[i]).matches()) {
                parseDocument(document.toString(), documentStart, objects, errors, skipped);
                document.setLength(0);
                documentStart = i + 2;
            } else {
                document.append(lines[i]).append('\n');
            }
        }
        return new Result(objects, errors, skipped[0], skipped[1]);
    }

    private void parseDocument(String document, int firstLine, List<HasMetadata> objects, List<String> errors,
            int[] skipped) {
        if (document.lines().allMatch(line -> line.isBlank() || line.stripLeading().startsWith("#"))) {
            return;
        }
        Object parsed;
        try {
            parsed = serialization.unmarshal(document);
        } catch (RuntimeException e) {
            errors.add(describe(e, firstLine));
            return;
        }
        List<KubernetesResource> items = new ArrayList<>();
        if (parsed instanceof KubernetesList list) {
            items.addAll(list.getItems());
        } else if (parsed instanceof KubernetesResource resource) {
            items.add(resource);
        } else {
            errors.add("line " + firstLine + ": not a Kubernetes object");
            skipped[1]++;
            return;
        }
        for (KubernetesResource item : items) {
            check(item, firstLine, objects, errors, skipped);
        }
    }

    private void check(KubernetesResource item, int firstLine, List<HasMetadata> objects, List<String> errors,
            int[] skipped) {
        if (!(item instanceof HasMetadata object) || object.getKind() == null || object.getApiVersion() == null) {
            errors.add("line " + firstLine + ": an object needs apiVersion, kind and metadata");
            skipped[1]++;
            return;
        }
        ResourceKind kind = ResourceKind.of(object);
        if (kind == ResourceKind.NAMESPACE) {
            // read for --watch-namespace-selector in a cluster alone: a folder's Namespaces are skipped, as before
            skipped[0]++;
            return;
        }
        if (kind == null) {
            if (isWatchedKindName(object.getKind())) {
                errors.add("line " + firstLine + ": " + object.getKind() + " " + object.getApiVersion()
                        + " is not supported; use " + expectedApiVersion(object.getKind()));
            } else {
                skipped[0]++;
            }
            return;
        }
        if (object.getMetadata() == null || object.getMetadata().getName() == null
                || object.getMetadata().getName().isEmpty()) {
            errors.add("line " + firstLine + ": " + object.getKind() + " has no metadata.name");
            return;
        }
        String nullItem = nullItem(serialization.convertValue(object, JsonNode.class), new StringBuilder());
        if (nullItem != null) {
            // an API server makes such an item an empty object; read as it is, it would be an object that is not there
            errors.add("line " + firstLine + ": " + object.getKind() + " " + object.getMetadata().getName() + ": "
                    + nullItem + " is null, where an item of the list is due");
            return;
        }
        objects.add(object);
    }

    /** The path of the first null item of a list within {@code node} ({@code spec.rules[0]}), or {@code null}. */
    private static String nullItem(JsonNode node, StringBuilder path) {
        int length = path.length();
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                path.append('[').append(i).append(']');
                String found = node.get(i).isNull() ? path.toString() : nullItem(node.get(i), path);
                if (found != null) {
                    return found;
                }
                path.setLength(length);
            }
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                path.append(length == 0 ? "" : ".").append(field.getKey());
                String found = nullItem(field.getValue(), path);
                if (found != null) {
                    return found;
                }
                path.setLength(length);
            }
        }
        return null;
    }

    private static boolean isWatchedKindName(String kindName) {
        return expectedApiVersion(kindName) != null;
    }

    private static String expectedApiVersion(String kindName) {
        for (ResourceKind kind : ResourceKind.values()) {
            if (kind.kindName().equals(kindName)) {
                return kind.apiVersion();
            }
        }
        return null;
    }

    /** Where in the object a value was wrong, for errors found after YAML parsing (which carry no line). */
    private static String fieldPath(JsonProcessingException error) {
        if (!(error instanceof JsonMappingException mapping) || mapping.getPath().isEmpty()) {
            return "";
        }
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : mapping.getPath()) {
            if (reference.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return " (at " + path + ")";
    }

    private static String describe(RuntimeException e, int firstLine) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof MarkedYamlEngineException yaml) {
                // the YAML parser counts lines from 0 within the document
                int line = yaml.getProblemMark().map(mark -> firstLine + mark.getLine()).orElse(firstLine);
                String context = yaml.getContext() == null ? "" : yaml.getContext() + ": ";
                return "line " + line + ": " + context + yaml.getProblem();
            }
            if (cause instanceof JsonProcessingException json) {
                JsonLocation location = json.getLocation();
                String where = location != null && location.getLineNr() > 0
                        ? "line " + (firstLine + location.getLineNr() - 1)
                        : "line " + firstLine;
                return where + ": " + json.getOriginalMessage() + fieldPath(json);
            }
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return "line " + firstLine + ": " + message;
    }
}

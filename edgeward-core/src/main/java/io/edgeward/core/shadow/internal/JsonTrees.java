package io.edgeward.core.shadow.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;

/** The shadow's tree operations: merge with null-deletes, metadata stamping, delta and depth. */
public final class JsonTrees {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonTrees() {}

    /**
     * Merges {@code patch} into a copy of {@code target}: objects merge key by key, {@code null}
     * removes a key, anything else (arrays included) replaces. Returns the merged copy.
     */
    public static ObjectNode merge(ObjectNode target, ObjectNode patch) {
        ObjectNode result = target.deepCopy();
        mergeInto(result, patch);
        return result;
    }

    private static void mergeInto(ObjectNode target, ObjectNode patch) {
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode value = field.getValue();
            if (value.isNull()) {
                target.remove(field.getKey());
            } else if (value.isObject() && target.get(field.getKey()) instanceof ObjectNode existing) {
                mergeInto(existing, (ObjectNode) value);
            } else if (value.isObject()) {
                ObjectNode fresh = NODES.objectNode();
                mergeInto(fresh, (ObjectNode) value);
                target.set(field.getKey(), fresh);
            } else {
                target.set(field.getKey(), value.deepCopy());
            }
        }
    }

    /**
     * The metadata tree after {@code patch}: every leaf the patch sets gets {@code {"timestamp": T}},
     * every key it deletes loses its metadata.
     */
    public static ObjectNode stamp(ObjectNode metadata, ObjectNode patch, long timestamp) {
        ObjectNode result = metadata.deepCopy();
        stampInto(result, patch, timestamp);
        return result;
    }

    private static void stampInto(ObjectNode metadata, ObjectNode patch, long timestamp) {
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode value = field.getValue();
            if (value.isNull()) {
                metadata.remove(field.getKey());
            } else if (value.isObject()) {
                ObjectNode nested =
                        metadata.get(field.getKey()) instanceof ObjectNode existing && !existing.has("timestamp")
                                ? existing
                                : NODES.objectNode();
                stampInto(nested, (ObjectNode) value, timestamp);
                metadata.set(field.getKey(), nested);
            } else {
                metadata.set(field.getKey(), NODES.objectNode().put("timestamp", timestamp));
            }
        }
    }

    /** The metadata of the keys that {@code tree} holds, taken from {@code metadata}. */
    public static ObjectNode metadataFor(ObjectNode tree, ObjectNode metadata) {
        ObjectNode result = NODES.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = tree.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode meta = metadata.get(field.getKey());
            if (meta == null) {
                continue;
            }
            if (field.getValue().isObject() && meta.isObject() && !meta.has("timestamp")) {
                result.set(field.getKey(), metadataFor((ObjectNode) field.getValue(), (ObjectNode) meta));
            } else {
                result.set(field.getKey(), meta.deepCopy());
            }
        }
        return result;
    }

    /** Desired keys whose value differs from the reported one, recursively into objects. */
    public static ObjectNode delta(ObjectNode desired, ObjectNode reported) {
        ObjectNode delta = NODES.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = desired.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode want = field.getValue();
            JsonNode have = reported.get(field.getKey());
            if (want.isObject() && have != null && have.isObject()) {
                ObjectNode nested = delta((ObjectNode) want, (ObjectNode) have);
                if (!nested.isEmpty()) {
                    delta.set(field.getKey(), nested);
                }
            } else if (!same(want, have)) {
                delta.set(field.getKey(), want.deepCopy());
            }
        }
        return delta;
    }

    /**
     * JSON equality where numbers compare by value: 22, 22.0 and a 64-bit 22 are the same
     * temperature, whichever path (device JSON, telemetry, a database round trip) produced them.
     */
    public static boolean same(JsonNode a, JsonNode b) {
        return a != null && b != null && a.equals(NUMERIC, b);
    }

    private static final Comparator<JsonNode> NUMERIC = (x, y) -> {
        if (x.isNumber() && y.isNumber()) {
            return x.decimalValue().compareTo(y.decimalValue());
        }
        return x.equals(y) ? 0 : 1;
    };

    /** Levels of nesting below {@code node}: a flat object is 1, an object in it 2, arrays count too. */
    public static int depth(JsonNode node) {
        int deepest = 0;
        if (node.isContainerNode()) {
            for (JsonNode child : node) {
                deepest = Math.max(deepest, depth(child));
            }
            return deepest + 1;
        }
        return 0;
    }
}

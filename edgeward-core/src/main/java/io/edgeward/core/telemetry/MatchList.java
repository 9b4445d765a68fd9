package io.edgeward.core.telemetry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A configured list of entries that each select series with {@code match: {metric, device, type,
 * tag}} (retention overrides, sync's forwarding overrides): the list read from its JSON, and each
 * entry's selector checked, every problem named with the entry's index.
 */
public final class MatchList {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> MATCH = Set.of("metric", "device", "type", "tag");

    private MatchList() {}

    /**
     * The list's entries; empty for a blank or null value.
     *
     * @param shape what an entry looks like, for the error message
     */
    public static List<JsonNode> entries(String raw, String shape) {
        JsonNode node;
        try {
            node = JSON.readTree(raw.isBlank() ? "[]" : raw);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a JSON list: " + e.getOriginalMessage());
        }
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new IllegalArgumentException("expected a list of " + shape);
        }
        List<JsonNode> entries = new ArrayList<>(node.size());
        node.forEach(entries::add);
        return entries;
    }

    /**
     * The entry's selector, or null (with the problems added) when its {@code match} is missing,
     * empty or names an unknown field.
     */
    public static SeriesSelector selector(JsonNode entry, String where, List<String> problems) {
        JsonNode match = entry.path("match");
        if (!match.isObject() || match.isEmpty()) {
            problems.add(where + ": match is required: {metric, device, type, tag}, at least one");
            return null;
        }
        boolean known = true;
        for (Iterator<String> names = match.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!MATCH.contains(name)) {
                problems.add(where + ".match: unknown field '" + name + "' (expected metric, device, type, tag)");
                known = false;
            }
        }
        return known
                ? new SeriesSelector(
                        text(match, "metric"), text(match, "device"), text(match, "type"), text(match, "tag"))
                : null;
    }

    private static String text(JsonNode match, String field) {
        JsonNode value = match.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}

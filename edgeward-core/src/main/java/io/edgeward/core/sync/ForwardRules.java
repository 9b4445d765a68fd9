package io.edgeward.core.sync;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.config.Key;
import io.edgeward.core.telemetry.SeriesSelector;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/** Reads {@code sync.forward.overrides}; every problem is reported at once, each with its entry's index. */
final class ForwardRules implements Key.Parser<List<ForwardRule>> {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> MATCH = Set.of("metric", "device", "type", "tag");

    @Override
    public List<ForwardRule> parse(String raw) {
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
            throw new IllegalArgumentException("expected a list of {match: {metric, device, type, tag}, priority}");
        }
        List<String> problems = new ArrayList<>();
        List<ForwardRule> rules = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String where = "[" + i + "]";
            JsonNode entry = node.get(i);
            JsonNode match = entry.path("match");
            if (!match.isObject() || match.isEmpty()) {
                problems.add(where + ": match is required: {metric, device, type, tag}, at least one");
                continue;
            }
            for (Iterator<String> names = match.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!MATCH.contains(name)) {
                    problems.add(where + ".match: unknown field '" + name + "' (expected metric, device, type, tag)");
                }
            }
            for (Iterator<String> names = entry.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!name.equals("match") && !name.equals("priority")) {
                    problems.add(where + ": unknown field '" + name + "' (expected match, priority)");
                }
            }
            try {
                Priority priority = Priority.fromWire(entry.path("priority").asText(""));
                rules.add(new ForwardRule(
                        new SeriesSelector(
                                text(match, "metric"), text(match, "device"), text(match, "type"), text(match, "tag")),
                        priority));
            } catch (IllegalArgumentException e) {
                problems.add(where + ".priority: " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return List.copyOf(rules);
    }

    private static String text(JsonNode match, String field) {
        JsonNode value = match.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}

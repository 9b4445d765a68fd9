package io.edgeward.core.retention;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.config.Key;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads {@code retention.overrides}; every problem is reported at once, each with its entry's index. */
final class RetentionRules implements Key.Parser<List<RetentionRule>> {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> MATCH = Set.of("metric", "device", "type", "tag");

    @Override
    public List<RetentionRule> parse(String raw) {
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
            throw new IllegalArgumentException(
                    "expected a list of {match: {metric, device, type, tag}, raw, 1m, 1h, 1d}");
        }
        List<String> problems = new ArrayList<>();
        List<RetentionRule> rules = new ArrayList<>();
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
            Map<Level, Duration> periods = new EnumMap<>(Level.class);
            for (Iterator<Map.Entry<String, JsonNode>> fields = entry.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (field.getKey().equals("match")) {
                    continue;
                }
                try {
                    Level level = Level.fromWire(field.getKey());
                    periods.put(
                            level,
                            RetentionSettings.parsePeriod(field.getValue().asText()));
                } catch (IllegalArgumentException e) {
                    problems.add(where + "." + field.getKey() + ": " + e.getMessage());
                }
            }
            try {
                rules.add(new RetentionRule(
                        text(match, "metric"),
                        text(match, "device"),
                        text(match, "type"),
                        text(match, "tag"),
                        periods));
            } catch (IllegalArgumentException e) {
                problems.add(where + ": " + e.getMessage());
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

package io.edgeward.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgeward.core.time.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads a JSON (or YAML, read into the same tree) document that people write by hand, such as a
 * rule or the processing configuration, collecting every problem with its path
 * ({@code actions[1].timeout: ...}) instead of stopping at the first.
 */
public final class DocumentReader {

    private final List<String> problems;

    public DocumentReader() {
        this(new ArrayList<>());
    }

    /** Adds its problems to {@code problems}, which a caller collects in its own way. */
    public DocumentReader(List<String> problems) {
        this.problems = problems;
    }

    public void problem(String where, String message) {
        problems.add(where.isEmpty() ? message : where + ": " + message);
    }

    public List<String> problems() {
        return List.copyOf(problems);
    }

    public boolean ok() {
        return problems.isEmpty();
    }

    /** Reports the fields of {@code node} not in {@code known}. */
    public void unknownFields(JsonNode node, Set<String> known, String where) {
        node.fieldNames().forEachRemaining(field -> {
            if (!known.contains(field)) {
                problem(
                        join(where, field),
                        "unknown field (expected one of "
                                + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        });
    }

    /** The field's text, or null when it is absent or null; reports a value that is not a string. */
    public String text(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            problem(join(where, field), "expected a string");
            return null;
        }
        return value.asText();
    }

    /** A duration such as {@code 5m}, at least {@code min}; null (reported) when it is not one. */
    public Duration duration(JsonNode node, String where, Duration min) {
        try {
            Duration duration = Durations.parse(node.asText());
            if (duration.compareTo(min) < 0) {
                problem(where, "must be at least " + Durations.format(min));
                return null;
            }
            return duration;
        } catch (IllegalArgumentException e) {
            problem(where, e.getMessage());
            return null;
        }
    }

    /** The field as a duration, or null when absent. */
    public Duration duration(JsonNode node, String field, String where, Duration min) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : duration(value, join(where, field), min);
    }

    public static String join(String where, String field) {
        return where.isEmpty() ? field : where + "." + field;
    }
}

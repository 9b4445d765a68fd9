package io.edgeward.core.retention;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgeward.core.config.Key;
import io.edgeward.core.telemetry.MatchList;
import io.edgeward.core.telemetry.SeriesSelector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Reads {@code retention.overrides}; every problem is reported at once, each with its entry's index. */
final class RetentionRules implements Key.Parser<List<RetentionRule>> {

    @Override
    public List<RetentionRule> parse(String raw) {
        List<JsonNode> entries = MatchList.entries(raw, "{match: {metric, device, type, tag}, raw, 1m, 1h, 1d}");
        List<String> problems = new ArrayList<>();
        List<RetentionRule> rules = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            String where = "[" + i + "]";
            JsonNode entry = entries.get(i);
            if (!entry.path("match").isObject() || entry.path("match").isEmpty()) {
                MatchList.selector(entry, where, problems);
                continue;
            }
            SeriesSelector match = MatchList.selector(entry, where, problems);
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
            if (match == null) {
                continue;
            }
            try {
                rules.add(new RetentionRule(match.metric(), match.device(), match.type(), match.tag(), periods));
            } catch (IllegalArgumentException e) {
                problems.add(where + ": " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return List.copyOf(rules);
    }
}

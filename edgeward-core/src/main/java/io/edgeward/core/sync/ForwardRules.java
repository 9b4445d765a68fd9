package io.edgeward.core.sync;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgeward.core.config.Key;
import io.edgeward.core.telemetry.MatchList;
import io.edgeward.core.telemetry.SeriesSelector;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** Reads {@code sync.forward.overrides}; every problem is reported at once, each with its entry's index. */
final class ForwardRules implements Key.Parser<List<ForwardRule>> {

    @Override
    public List<ForwardRule> parse(String raw) {
        List<JsonNode> entries = MatchList.entries(raw, "{match: {metric, device, type, tag}, priority}");
        List<String> problems = new ArrayList<>();
        List<ForwardRule> rules = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            String where = "[" + i + "]";
            JsonNode entry = entries.get(i);
            SeriesSelector match = MatchList.selector(entry, where, problems);
            for (Iterator<String> names = entry.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!name.equals("match") && !name.equals("priority")) {
                    problems.add(where + ": unknown field '" + name + "' (expected match, priority)");
                }
            }
            try {
                Priority priority = Priority.fromWire(entry.path("priority").asText(""));
                if (match != null) {
                    rules.add(new ForwardRule(match, priority));
                }
            } catch (IllegalArgumentException e) {
                problems.add(where + ".priority: " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return List.copyOf(rules);
    }
}

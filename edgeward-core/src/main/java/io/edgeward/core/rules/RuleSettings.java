package io.edgeward.core.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.config.Config;
import io.edgeward.core.config.Key;
import java.util.ArrayList;
import java.util.List;

/**
 * The rules a node's files define: the configuration's {@code rules:} list and the files of
 * {@code <data-dir>/rules/}. At each start a rule from a file is saved as a new version when the
 * file's text of it changed since the file last gave it; otherwise what the REST API did to it
 * since (a change, a deletion) stays in force.
 *
 * @param sources each rule document with where it came from ({@code config}, {@code file:name.yaml})
 */
public record RuleSettings(List<Source> sources) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static final Key<JsonNode> RULES = Key.structured(
            "rules",
            "[]",
            RuleSettings::list,
            "Rules: a list of {id, name, enabled, selector: {devices, type, tags}, metric, condition (CEL), for, clear,"
                    + " clear_for, absent, count, actions: [{type: alarm|command|shadow|webhook|publish|log, ...}]}."
                    + " Files in <data-dir>/rules/ (YAML or JSON, one rule or a list each) are read too.");
    public static final List<Key<?>> KEYS = List.of(RULES);

    /** A rule document and where it came from: the author of the versions it saves. */
    public record Source(String origin, JsonNode document) {}

    public RuleSettings {
        sources = List.copyOf(sources);
    }

    /** The configuration's {@code rules:}, then each file's rules ({@code files}, by origin). */
    public static RuleSettings from(Config config, List<Source> files) {
        List<Source> sources = new ArrayList<>();
        config.get(RULES).forEach(document -> sources.add(new Source("config", document)));
        sources.addAll(files);
        return new RuleSettings(sources);
    }

    private static JsonNode list(String raw) {
        try {
            JsonNode node = JSON.readTree(raw.isBlank() ? "[]" : raw);
            if (node == null || node.isNull()) {
                return JSON.createArrayNode();
            }
            if (!node.isArray()) {
                throw new IllegalArgumentException("expected a list of rules");
            }
            Conditions conditions = new Conditions();
            List<String> problems = new ArrayList<>();
            for (int i = 0; i < node.size(); i++) {
                try {
                    RuleDocuments.parse(node.get(i), conditions);
                } catch (InvalidRuleException e) {
                    for (String problem : e.problems()) {
                        problems.add("[" + i + "] " + problem);
                    }
                }
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(String.join("; ", problems));
            }
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("not a JSON list: " + e.getOriginalMessage());
        }
    }
}

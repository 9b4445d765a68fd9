package io.edgeward.core.sync;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgeward.core.processing.ProcessingDocuments;
import io.edgeward.core.rules.InvalidRuleException;
import io.edgeward.core.rules.Rules;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An edge's configuration document, {@code {"rules": [rule, ...], "processing": {...}}}: the whole
 * set of rules the cloud manages at the edge, and the edge's processing configuration. Either may
 * be absent: what the edge has of it is left alone.
 *
 * @param rules the rule documents, or null to leave the edge's rules alone
 * @param processing the processing document, or null to leave the edge's alone
 */
record EdgeConfigDocument(List<JsonNode> rules, JsonNode processing) {

    /** What may be pushed at once (the down message carries it whole). */
    static final int MAX_BYTES = 1 << 20;

    static final int MAX_RULES = 1000;

    /**
     * Checks every part as saving it would.
     *
     * @throws InvalidEdgeConfigException with every problem, each prefixed with where it is
     */
    static EdgeConfigDocument parse(JsonNode document, Rules rules) {
        List<String> problems = new ArrayList<>();
        if (document == null || !document.isObject()) {
            throw new InvalidEdgeConfigException(
                    List.of("expected an object {\"rules\": [...], \"processing\": {...}}"));
        }
        document.fieldNames().forEachRemaining(field -> {
            if (!field.equals("rules") && !field.equals("processing")) {
                problems.add(field + ": unknown field (expected rules and/or processing)");
            }
        });
        List<JsonNode> ruleDocuments = null;
        JsonNode rulesNode = document.get("rules");
        if (rulesNode != null && !rulesNode.isNull()) {
            if (!rulesNode.isArray()) {
                problems.add("rules: must be an array of rule documents");
            } else if (rulesNode.size() > MAX_RULES) {
                problems.add("rules: at most " + MAX_RULES);
            } else {
                ruleDocuments = new ArrayList<>();
                Set<String> ids = new HashSet<>();
                for (int i = 0; i < rulesNode.size(); i++) {
                    JsonNode rule = rulesNode.get(i);
                    String id = rule.path("id").asText("");
                    if (!id.isEmpty() && !ids.add(id)) {
                        problems.add("rules[" + i + "]: id '" + id + "' appears twice");
                    }
                    try {
                        rules.validate(rule);
                    } catch (InvalidRuleException e) {
                        int index = i;
                        e.problems().forEach(problem -> problems.add("rules[" + index + "]: " + problem));
                    }
                    ruleDocuments.add(rule);
                }
            }
        }
        JsonNode processing = document.get("processing");
        if (processing != null && !processing.isNull()) {
            try {
                ProcessingDocuments.parse(processing);
            } catch (ProcessingDocuments.InvalidProcessingException e) {
                e.problems().forEach(problem -> problems.add("processing: " + problem));
            }
        } else {
            processing = null;
        }
        if (!problems.isEmpty()) {
            throw new InvalidEdgeConfigException(problems);
        }
        return new EdgeConfigDocument(ruleDocuments, processing);
    }
}

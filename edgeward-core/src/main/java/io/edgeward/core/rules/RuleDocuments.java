package io.edgeward.core.rules;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.core.config.DocumentReader;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.time.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A rule as a document (JSON through the REST API, YAML in the configuration and in
 * {@code <data-dir>/rules/}), parsed with every problem reported at once, and written back in the
 * same shape:
 *
 * <pre>{"id": "high-temp", "name": "…", "enabled": true,
 *  "selector": {"devices": ["pump-*"], "type": "sensor", "tags": ["floor-2"]},
 *  "metric": "temperature", "condition": "value > 80", "for": "5m",
 *  "clear": "value < 75", "clear_for": "1m", "absent": "10m", "count": "3 within 10m",
 *  "actions": [{"type": "alarm", "severity": "major"},
 *              {"type": "command", "command": "activate_cooling", "parameters": {}}]}</pre>
 */
public final class RuleDocuments {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Pattern COUNT = Pattern.compile("\\s*(\\d{1,6})\\s+within\\s+(\\S+)\\s*");
    private static final Pattern RATE = Pattern.compile("\\s*(\\d{1,6})\\s*/\\s*(\\S+)\\s*");
    private static final Pattern TOPIC = Pattern.compile("[^#+\\u0000]{1,256}");
    private static final Set<String> FIELDS = Set.of(
            "id",
            "name",
            "description",
            "enabled",
            "selector",
            "metric",
            "condition",
            "for",
            "clear",
            "clear_for",
            "absent",
            "count",
            "actions");
    private static final Set<String> COMMON = Set.of("type", "on", "rate_limit");
    private static final Map<String, Set<String>> ACTION_FIELDS = Map.of(
            "alarm", Set.of("severity", "message"),
            "command", Set.of("command", "parameters", "device", "timeout", "ttl"),
            "shadow", Set.of("desired"),
            "webhook", Set.of("url", "secret", "timeout", "retries"),
            "publish", Set.of("topic", "payload", "qos", "retain"),
            "log", Set.of("message"),
            "forward", Set.of("message"));
    private static final int MAX_ACTIONS = 16;

    private RuleDocuments() {}

    public static CompiledRule parse(String json, Conditions conditions) {
        try {
            return parse(JSON.readTree(json), conditions);
        } catch (JsonProcessingException e) {
            throw new InvalidRuleException(List.of("not JSON: " + e.getOriginalMessage()), Map.of());
        }
    }

    /** @throws InvalidRuleException with every problem of the document */
    public static CompiledRule parse(JsonNode document, Conditions conditions) {
        if (document == null || !document.isObject()) {
            throw new InvalidRuleException(List.of("expected an object (a rule)"), Map.of());
        }
        DocumentReader in = new DocumentReader();
        Map<String, List<ConditionException.Position>> positions = new LinkedHashMap<>();
        in.unknownFields(document, FIELDS, "");
        String id = in.text(document, "id", "");
        if (id == null) {
            in.problem("id", "is required");
        } else if (!ID.matcher(id).matches()) {
            in.problem("id", "1-64 characters of A-Z a-z 0-9 _ . -, starting with a letter or digit");
        }
        boolean enabled = true;
        if (document.has("enabled")) {
            if (!document.get("enabled").isBoolean()) {
                in.problem("enabled", "expected true or false");
            } else {
                enabled = document.get("enabled").asBoolean();
            }
        }
        DeviceSelector selector = selector(document.get("selector"), in);
        String metric = in.text(document, "metric", "");
        Condition condition = condition(document, "condition", conditions, in, positions);
        Condition clear = condition(document, "clear", conditions, in, positions);
        Duration holdFor = in.duration(document, "for", "", Duration.ofSeconds(1));
        Duration clearFor = in.duration(document, "clear_for", "", Duration.ofSeconds(1));
        Duration absent = in.duration(document, "absent", "", Duration.ofSeconds(1));
        Rule.CountWithin count = count(document.get("count"), in);
        if (absent == null && !document.has("condition")) {
            in.problem("condition", "is required (or absent: a duration, for a rule that watches for silence)");
        }
        if (absent != null
                && (document.has("condition") || holdFor != null || count != null || document.has("clear"))) {
            in.problem("absent", "watches for silence alone: it takes no condition, for, count or clear");
        }
        if (clearFor != null && clear == null) {
            in.problem("clear_for", "needs clear");
        }
        if (holdFor != null && count != null) {
            in.problem("count", "cannot be combined with for");
        }
        List<RuleAction> actions = actions(document.get("actions"), in);
        if (!in.ok()) {
            throw new InvalidRuleException(in.problems(), positions);
        }
        Rule rule = new Rule(
                id,
                in.text(document, "name", ""),
                in.text(document, "description", ""),
                enabled,
                selector,
                metric,
                condition == null ? null : condition.source(),
                holdFor,
                clear == null ? null : clear.source(),
                clearFor,
                absent,
                count,
                actions);
        return new CompiledRule(rule, condition, clear);
    }

    private static Condition condition(
            JsonNode document,
            String field,
            Conditions conditions,
            DocumentReader in,
            Map<String, List<ConditionException.Position>> positions) {
        String source = in.text(document, field, "");
        if (source == null) {
            return null;
        }
        try {
            return conditions.compile(source);
        } catch (ConditionException e) {
            in.problem(field, e.getMessage());
            if (!e.positions().isEmpty()) {
                positions.put(field, e.positions());
            }
            return null;
        }
    }

    private static DeviceSelector selector(JsonNode node, DocumentReader in) {
        if (node == null || node.isNull()) {
            return DeviceSelector.ANY;
        }
        if (!node.isObject()) {
            in.problem("selector", "expected an object {devices, type, tags}");
            return DeviceSelector.ANY;
        }
        in.unknownFields(node, Set.of("devices", "type", "tags"), "selector");
        List<String> devices = strings(node.get("devices"), "selector.devices", in);
        List<String> tags = strings(node.get("tags"), "selector.tags", in);
        DeviceType type = null;
        String typeName = in.text(node, "type", "selector");
        if (typeName != null) {
            try {
                type = DeviceType.fromWire(typeName);
            } catch (IllegalArgumentException e) {
                in.problem("selector.type", e.getMessage());
            }
        }
        return new DeviceSelector(devices, type, new LinkedHashSet<>(tags));
    }

    private static List<String> strings(JsonNode node, String where, DocumentReader in) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            in.problem(where, "expected a list of strings");
            return List.of();
        }
        List<String> values = new ArrayList<>();
        for (JsonNode item : node) {
            if (!item.isTextual() || item.asText().isEmpty()) {
                in.problem(where + "[" + values.size() + "]", "expected a non-empty string");
            }
            values.add(item.asText());
        }
        return values;
    }

    private static Rule.CountWithin count(JsonNode node, DocumentReader in) {
        if (node == null || node.isNull()) {
            return null;
        }
        int times;
        JsonNode within;
        if (node.isObject()) {
            in.unknownFields(node, Set.of("times", "within"), "count");
            times = node.path("times").asInt(0);
            within = node.get("within");
        } else {
            Matcher m = COUNT.matcher(node.asText());
            if (!m.matches()) {
                in.problem("count", "expected \"N within DURATION\", e.g. \"3 within 10m\"");
                return null;
            }
            times = Integer.parseInt(m.group(1));
            within = NODES.textNode(m.group(2));
        }
        if (times < 1 || within == null) {
            in.problem("count", "needs times of at least 1 and within, e.g. \"3 within 10m\"");
            return null;
        }
        Duration period = in.duration(within, "count.within", Duration.ofSeconds(1));
        return period == null ? null : new Rule.CountWithin(times, period);
    }

    private static List<RuleAction> actions(JsonNode node, DocumentReader in) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            in.problem("actions", "expected a list");
            return List.of();
        }
        if (node.size() > MAX_ACTIONS) {
            in.problem("actions", "at most " + MAX_ACTIONS + " actions");
        }
        List<RuleAction> actions = new ArrayList<>();
        int alarms = 0;
        for (int i = 0; i < node.size(); i++) {
            RuleAction action = action(node.get(i), "actions[" + i + "]", in);
            if (action instanceof RuleAction.RaiseAlarm) {
                alarms++;
            }
            if (action != null) {
                actions.add(action);
            }
        }
        if (alarms > 1) {
            in.problem("actions", "at most one alarm action: a rule has one alarm per device");
        }
        return actions;
    }

    private static RuleAction action(JsonNode node, String where, DocumentReader in) {
        if (!node.isObject()) {
            in.problem(where, "expected an object with a type");
            return null;
        }
        String type = in.text(node, "type", where);
        Set<String> fields = type == null ? null : ACTION_FIELDS.get(type);
        if (fields == null) {
            in.problem(
                    DocumentReader.join(where, "type"),
                    "expected one of "
                            + String.join(
                                    ", ",
                                    ACTION_FIELDS.keySet().stream().sorted().toList()));
            return null;
        }
        Set<String> known = new LinkedHashSet<>(COMMON);
        known.addAll(fields);
        in.unknownFields(node, known, where);
        RuleAction.On on = RuleAction.On.RAISE;
        String onText = in.text(node, "on", where);
        if (onText != null) {
            if (onText.equals("clear")) {
                on = RuleAction.On.CLEAR;
            } else if (!onText.equals("raise")) {
                in.problem(DocumentReader.join(where, "on"), "expected raise or clear");
            }
        }
        RateLimit limit = rateLimit(node.get("rate_limit"), DocumentReader.join(where, "rate_limit"), in);
        try {
            return switch (type) {
                case "alarm" -> {
                    if (on == RuleAction.On.CLEAR) {
                        in.problem(DocumentReader.join(where, "on"), "an alarm clears with its rule");
                    }
                    String severity = in.text(node, "severity", where);
                    yield new RuleAction.RaiseAlarm(
                            severity == null ? Severity.MAJOR : Severity.fromWire(severity),
                            in.text(node, "message", where),
                            limit);
                }
                case "command" -> {
                    String command = in.text(node, "command", where);
                    if (command == null || !command.matches("[A-Za-z0-9_.:-]{1,64}")) {
                        in.problem(
                                DocumentReader.join(where, "command"),
                                "required: 1-64 characters of A-Z a-z 0-9 _ . : -");
                    }
                    JsonNode parameters = node.get("parameters");
                    if (parameters != null && !parameters.isObject()) {
                        in.problem(DocumentReader.join(where, "parameters"), "expected an object");
                        parameters = null;
                    }
                    yield new RuleAction.SendCommand(
                            command,
                            parameters == null ? Map.of() : JSON.convertValue(parameters, Map.class),
                            in.text(node, "device", where),
                            in.duration(node, "timeout", where, Duration.ofMillis(100)),
                            in.duration(node, "ttl", where, Duration.ZERO),
                            on,
                            limit);
                }
                case "shadow" -> {
                    JsonNode desired = node.get("desired");
                    if (desired == null || !desired.isObject() || desired.isEmpty()) {
                        in.problem(DocumentReader.join(where, "desired"), "expected an object of the keys to set");
                        yield null;
                    }
                    yield new RuleAction.SetDesired(JSON.convertValue(desired, Map.class), on, limit);
                }
                case "webhook" -> {
                    String url = in.text(node, "url", where);
                    if (url == null || !url.matches("https?://[^\\s/]+(/\\S*)?")) {
                        in.problem(DocumentReader.join(where, "url"), "required: an http:// or https:// URL");
                    }
                    int retries = node.path("retries").asInt(5);
                    if (retries < 0 || retries > 20) {
                        in.problem(DocumentReader.join(where, "retries"), "must be between 0 and 20");
                    }
                    Duration timeout = in.duration(node, "timeout", where, Duration.ofMillis(100));
                    yield new RuleAction.Webhook(
                            url,
                            in.text(node, "secret", where),
                            timeout == null ? Duration.ofSeconds(5) : timeout,
                            retries,
                            on,
                            limit);
                }
                case "publish" -> {
                    String topic = in.text(node, "topic", where);
                    if (topic == null || !TOPIC.matcher(topic).matches()) {
                        in.problem(DocumentReader.join(where, "topic"), "required: a topic without wildcards");
                    }
                    int qos = node.path("qos").asInt(1);
                    if (qos < 0 || qos > 1) {
                        in.problem(DocumentReader.join(where, "qos"), "must be 0 or 1");
                    }
                    yield new RuleAction.Publish(
                            topic,
                            in.text(node, "payload", where),
                            qos,
                            node.path("retain").asBoolean(false),
                            on,
                            limit);
                }
                case "forward" -> new RuleAction.Forward(in.text(node, "message", where), on, limit);
                default -> new RuleAction.Log(in.text(node, "message", where), on, limit);
            };
        } catch (IllegalArgumentException e) {
            in.problem(where, e.getMessage());
            return null;
        }
    }

    private static RateLimit rateLimit(JsonNode node, String where, DocumentReader in) {
        if (node == null || node.isNull()) {
            return RateLimit.DEFAULT;
        }
        Matcher m = RATE.matcher(node.asText());
        if (!m.matches()) {
            in.problem(where, "expected \"N/DURATION\", e.g. \"10/1m\"");
            return RateLimit.DEFAULT;
        }
        Duration per = in.duration(NODES.textNode(m.group(2)), where, Duration.ofSeconds(1));
        int count = Integer.parseInt(m.group(1));
        if (per == null || count < 1) {
            if (count < 1) {
                in.problem(where, "the count must be at least 1");
            }
            return RateLimit.DEFAULT;
        }
        return new RateLimit(count, per);
    }

    /** The rule as a document in the shape {@link #parse} reads; absent fields are left out. */
    public static ObjectNode render(Rule rule) {
        ObjectNode node = NODES.objectNode();
        node.put("id", rule.id());
        putIfSet(node, "name", rule.name());
        putIfSet(node, "description", rule.description());
        node.put("enabled", rule.enabled());
        ObjectNode selector = node.putObject("selector");
        if (!rule.selector().devices().isEmpty()) {
            rule.selector().devices().forEach(selector.putArray("devices")::add);
        }
        if (rule.selector().type() != null) {
            selector.put("type", rule.selector().type().wireName());
        }
        if (!rule.selector().tags().isEmpty()) {
            rule.selector().tags().stream().sorted().forEach(selector.putArray("tags")::add);
        }
        putIfSet(node, "metric", rule.metric());
        putIfSet(node, "condition", rule.condition());
        putDuration(node, "for", rule.holdFor());
        putIfSet(node, "clear", rule.clear());
        putDuration(node, "clear_for", rule.clearFor());
        putDuration(node, "absent", rule.absent());
        if (rule.count() != null) {
            node.put("count", rule.count().toString());
        }
        ArrayNode actions = node.putArray("actions");
        for (RuleAction action : rule.actions()) {
            actions.add(render(action));
        }
        return node;
    }

    static ObjectNode render(RuleAction action) {
        ObjectNode node = NODES.objectNode();
        node.put("type", action.type());
        switch (action) {
            case RuleAction.RaiseAlarm alarm -> {
                node.put("severity", alarm.severity().wireName());
                putIfSet(node, "message", alarm.message());
            }
            case RuleAction.SendCommand command -> {
                node.put("command", command.command());
                node.set("parameters", JSON.valueToTree(command.parameters()));
                putIfSet(node, "device", command.device());
                putDuration(node, "timeout", command.timeout());
                putDuration(node, "ttl", command.ttl());
            }
            case RuleAction.SetDesired shadow -> node.set("desired", JSON.valueToTree(shadow.desired()));
            case RuleAction.Webhook webhook -> {
                node.put("url", webhook.url());
                putIfSet(node, "secret", webhook.secret());
                putDuration(node, "timeout", webhook.timeout());
                node.put("retries", webhook.retries());
            }
            case RuleAction.Publish publish -> {
                node.put("topic", publish.topic());
                putIfSet(node, "payload", publish.payload());
                node.put("qos", publish.qos());
                node.put("retain", publish.retain());
            }
            case RuleAction.Log log -> putIfSet(node, "message", log.message());
            case RuleAction.Forward forward -> putIfSet(node, "message", forward.message());
        }
        if (action.on() == RuleAction.On.CLEAR) {
            node.put("on", "clear");
        }
        if (!action.limit().equals(RateLimit.DEFAULT)) {
            node.put(
                    "rate_limit",
                    action.limit().count() + "/"
                            + Durations.format(action.limit().per()));
        }
        return node;
    }

    private static void putIfSet(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }

    private static void putDuration(ObjectNode node, String field, Duration value) {
        if (value != null) {
            node.put(field, Durations.format(value));
        }
    }
}

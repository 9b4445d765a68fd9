package io.edgeward.core.processing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.core.config.DocumentReader;
import io.edgeward.core.telemetry.SeriesSelector;
import io.edgeward.core.time.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The processing configuration as a document (YAML's {@code processing.filters} and
 * {@code processing.windows}, the REST API's body): parsed with every problem reported at once,
 * each with its path ({@code filters[1].deadband.absolute}), and written back in the same shape.
 */
public final class ProcessingDocuments {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** A name becomes a stream source and a derived metric's prefix, so it is a metric name's first segment. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,63}");

    private static final Set<String> MATCH = Set.of("metric", "device", "type", "tag");
    private static final Set<String> RULES = Set.of("deadband", "change-driven", "sample", "threshold");
    private static final Set<String> FILTER_FIELDS =
            Set.of("name", "match", "deadband", "change-driven", "sample", "threshold", "heartbeat", "keep-raw");
    private static final Set<String> WINDOW_FIELDS =
            Set.of("name", "match", "size", "slide", "functions", "allowed-lateness");
    private static final Duration DEFAULT_LATENESS = Duration.ofSeconds(5);

    private ProcessingDocuments() {}

    /** Thrown with every problem of a document. */
    public static final class InvalidProcessingException extends IllegalArgumentException {
        private final List<String> problems;

        InvalidProcessingException(List<String> problems) {
            super(String.join("; ", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }

    /** Parses {@code {"filters": [...], "windows": [...]}}; either may be absent. */
    public static ProcessingConfig parse(JsonNode document) {
        List<String> problems = new ArrayList<>();
        if (document == null || !document.isObject()) {
            throw new InvalidProcessingException(List.of("expected an object {filters: [...], windows: [...]}"));
        }
        for (Iterator<String> names = document.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!Set.of("filters", "windows", "version", "author").contains(name)) {
                problems.add(name + ": unknown field (expected filters, windows)");
            }
        }
        ProcessingConfig config = parse(document.path("filters"), document.path("windows"), problems);
        if (!problems.isEmpty()) {
            throw new InvalidProcessingException(problems);
        }
        return config;
    }

    /** Parses the two lists, e.g. from the configuration keys; a missing node is an empty list. */
    public static ProcessingConfig parse(JsonNode filters, JsonNode windows) {
        List<String> problems = new ArrayList<>();
        ProcessingConfig config = parse(filters, windows, problems);
        if (!problems.isEmpty()) {
            throw new InvalidProcessingException(problems);
        }
        return config;
    }

    public static ProcessingConfig parse(String json) {
        try {
            return parse(JSON.readTree(json));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InvalidProcessingException(List.of("not JSON: " + e.getOriginalMessage()));
        }
    }

    private static ProcessingConfig parse(JsonNode filtersNode, JsonNode windowsNode, List<String> problems) {
        Set<String> names = new HashSet<>();
        List<FilterSpec> filters = new ArrayList<>();
        for (JsonNode entry : list(filtersNode, "filters", problems)) {
            String where = "filters[" + filters.size() + "]";
            FilterSpec filter = filter(entry, where, names, problems);
            filters.add(filter); // null placeholders keep the indexes of later entries right
        }
        List<WindowSpec> windows = new ArrayList<>();
        for (JsonNode entry : list(windowsNode, "windows", problems)) {
            String where = "windows[" + windows.size() + "]";
            windows.add(window(entry, where, names, problems));
        }
        if (!problems.isEmpty()) {
            return ProcessingConfig.EMPTY;
        }
        return new ProcessingConfig(filters, windows);
    }

    private static List<JsonNode> list(JsonNode node, String field, List<String> problems) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            problems.add(field + ": expected a list");
            return List.of();
        }
        List<JsonNode> entries = new ArrayList<>();
        node.forEach(entries::add);
        return entries;
    }

    private static FilterSpec filter(JsonNode entry, String where, Set<String> names, List<String> problems) {
        if (!entry.isObject()) {
            problems.add(where + ": expected an object");
            return null;
        }
        unknownFields(entry, FILTER_FIELDS, where, problems);
        String name = name(entry, where, names, problems);
        SeriesSelector match = match(entry, where, problems);
        List<String> rules = new ArrayList<>();
        entry.fieldNames().forEachRemaining(field -> {
            if (RULES.contains(field)) {
                rules.add(field);
            }
        });
        if (rules.size() != 1) {
            problems.add(where + ": a filter takes exactly one of deadband, change-driven, sample, threshold"
                    + (rules.isEmpty() ? "" : " (found " + String.join(", ", rules) + ")"));
            return null;
        }
        String kind = rules.get(0);
        FilterRule rule = null;
        JsonNode body = entry.get(kind);
        try {
            rule = switch (kind) {
                case "deadband" ->
                    new FilterRule.Deadband(
                            number(body, "absolute", where + ".deadband", problems),
                            number(body, "percent", where + ".deadband", problems));
                case "change-driven" -> {
                    if (!body.isBoolean() || !body.asBoolean()) {
                        throw new IllegalArgumentException("change-driven takes true");
                    }
                    yield new FilterRule.ChangeDriven();
                }
                case "sample" -> sample(body, where, problems);
                default ->
                    new FilterRule.Threshold(
                            number(body, "above", where + ".threshold", problems),
                            number(body, "below", where + ".threshold", problems));
            };
        } catch (IllegalArgumentException e) {
            problems.add(where + "." + kind + ": " + e.getMessage());
        }
        Duration heartbeat = null;
        if (entry.has("heartbeat")) {
            heartbeat = duration(entry.get("heartbeat"), where + ".heartbeat", Duration.ofSeconds(1), problems);
        }
        boolean keepRaw = true;
        if (entry.has("keep-raw")) {
            if (!entry.get("keep-raw").isBoolean()) {
                problems.add(where + ".keep-raw: expected true or false");
            } else {
                keepRaw = entry.get("keep-raw").asBoolean();
            }
        }
        if (name == null || match == null || rule == null) {
            return null;
        }
        return new FilterSpec(name, match, rule, heartbeat, keepRaw);
    }

    private static FilterRule sample(JsonNode body, String where, List<String> problems) {
        // sample: 10s, or sample: {every: 10s, keep: mean}
        JsonNode every = body.isObject() ? body.get("every") : body;
        if (body.isObject()) {
            unknownFields(body, Set.of("every", "keep"), where + ".sample", problems);
        }
        if (every == null) {
            throw new IllegalArgumentException("every is required (sample: 10s, or {every: 10s, keep: last})");
        }
        Duration interval = duration(every, where + ".sample.every", Duration.ofMillis(1), problems);
        FilterRule.Keep keep = FilterRule.Keep.LAST;
        if (body.isObject() && body.has("keep")) {
            String raw = body.get("keep").asText();
            try {
                keep = FilterRule.Keep.valueOf(raw.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("keep must be first, last or mean, not '" + raw + "'");
            }
        }
        return interval == null ? null : new FilterRule.Sample(interval, keep);
    }

    private static WindowSpec window(JsonNode entry, String where, Set<String> names, List<String> problems) {
        if (!entry.isObject()) {
            problems.add(where + ": expected an object");
            return null;
        }
        unknownFields(entry, WINDOW_FIELDS, where, problems);
        String name = name(entry, where, names, problems);
        SeriesSelector match = match(entry, where, problems);
        Duration size = entry.has("size")
                ? duration(entry.get("size"), where + ".size", Duration.ofSeconds(1), problems)
                : null;
        if (!entry.has("size")) {
            problems.add(where + ".size: required (e.g. 1m)");
        }
        Duration slide = entry.has("slide")
                ? duration(entry.get("slide"), where + ".slide", Duration.ofSeconds(1), problems)
                : size;
        Duration lateness = entry.has("allowed-lateness")
                ? duration(entry.get("allowed-lateness"), where + ".allowed-lateness", Duration.ZERO, problems)
                : DEFAULT_LATENESS;
        List<WindowFunction> functions = new ArrayList<>();
        JsonNode list = entry.path("functions");
        if (!list.isArray() || list.isEmpty()) {
            problems.add(where + ".functions: a list of mean, min, max, sum, count, stddev, first, last");
        } else {
            for (JsonNode function : list) {
                try {
                    WindowFunction parsed = WindowFunction.fromWire(function.asText());
                    if (functions.contains(parsed)) {
                        problems.add(where + ".functions: " + parsed.wireName() + " is listed twice");
                    }
                    functions.add(parsed);
                } catch (IllegalArgumentException e) {
                    problems.add(where + ".functions: " + e.getMessage());
                }
            }
        }
        if (name == null || match == null || size == null || slide == null || lateness == null || functions.isEmpty()) {
            return null;
        }
        try {
            return new WindowSpec(name, match, size, slide, functions, lateness);
        } catch (IllegalArgumentException e) {
            problems.add(where + ": " + e.getMessage());
            return null;
        }
    }

    private static String name(JsonNode entry, String where, Set<String> names, List<String> problems) {
        JsonNode node = entry.get("name");
        if (node == null || !node.isTextual() || !NAME.matcher(node.asText()).matches()) {
            problems.add(where + ".name: required, 1-64 of A-Z a-z 0-9 _ -, starting with a letter");
            return null;
        }
        if (!names.add(node.asText())) {
            problems.add(where + ".name: '" + node.asText() + "' is used twice (filter and window names are unique)");
            return null;
        }
        return node.asText();
    }

    private static SeriesSelector match(JsonNode entry, String where, List<String> problems) {
        JsonNode match = entry.get("match");
        if (match == null || !match.isObject() || match.isEmpty()) {
            problems.add(where + ".match: required: {metric, device, type, tag}, at least one");
            return null;
        }
        unknownFields(match, MATCH, where + ".match", problems);
        return new SeriesSelector(
                text(match, "metric"), text(match, "device"), text(match, "type"), text(match, "tag"));
    }

    private static void unknownFields(JsonNode node, Set<String> known, String where, List<String> problems) {
        node.fieldNames().forEachRemaining(field -> {
            if (!known.contains(field)) {
                problems.add(where + ": unknown field '" + field + "'");
            }
        });
    }

    private static Double number(JsonNode body, String field, String where, List<String> problems) {
        if (body == null || !body.isObject()) {
            problems.add(where + ": expected an object");
            return null;
        }
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isNumber()) {
            problems.add(where + "." + field + ": expected a number");
            return null;
        }
        return value.asDouble();
    }

    private static Duration duration(JsonNode node, String where, Duration min, List<String> problems) {
        return new DocumentReader(problems).duration(node, where, min);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    /** The configuration as a document in the shape {@link #parse} reads. */
    public static ObjectNode render(ProcessingConfig config) {
        ObjectNode document = NODES.objectNode();
        ArrayNode filters = document.putArray("filters");
        for (FilterSpec filter : config.filters()) {
            ObjectNode node = filters.addObject();
            node.put("name", filter.name());
            node.set("match", match(filter.match()));
            switch (filter.rule()) {
                case FilterRule.Deadband d -> {
                    ObjectNode body = node.putObject("deadband");
                    if (d.absolute() != null) {
                        body.put("absolute", d.absolute());
                    } else {
                        body.put("percent", d.percent());
                    }
                }
                case FilterRule.ChangeDriven c -> node.put("change-driven", true);
                case FilterRule.Sample s ->
                    node.putObject("sample")
                            .put("every", Durations.format(s.every()))
                            .put("keep", s.keep().wireName());
                case FilterRule.Threshold t -> {
                    ObjectNode body = node.putObject("threshold");
                    if (t.above() != null) {
                        body.put("above", t.above());
                    }
                    if (t.below() != null) {
                        body.put("below", t.below());
                    }
                }
            }
            if (filter.heartbeat() != null) {
                node.put("heartbeat", Durations.format(filter.heartbeat()));
            }
            node.put("keep-raw", filter.keepRaw());
        }
        ArrayNode windows = document.putArray("windows");
        for (WindowSpec window : config.windows()) {
            ObjectNode node = windows.addObject();
            node.put("name", window.name());
            node.set("match", match(window.match()));
            node.put("size", Durations.format(window.size()));
            node.put("slide", Durations.format(window.slide()));
            ArrayNode functions = node.putArray("functions");
            window.functions().forEach(f -> functions.add(f.wireName()));
            node.put("allowed-lateness", Durations.format(window.lateness()));
        }
        return document;
    }

    private static ObjectNode match(SeriesSelector selector) {
        ObjectNode match = NODES.objectNode();
        for (Map.Entry<String, String> field : selector.toMap().entrySet()) {
            match.put(field.getKey(), field.getValue());
        }
        return match;
    }

    public static String toJson(ProcessingConfig config) {
        return render(config).toString();
    }
}

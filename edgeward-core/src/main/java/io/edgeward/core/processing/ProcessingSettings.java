package io.edgeward.core.processing;

import static io.edgeward.core.config.Parsers.duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.config.Config;
import io.edgeward.core.config.Key;
import java.time.Duration;
import java.util.List;

/**
 * The processing stage's configuration keys: the filters and windows (the starting configuration;
 * once the REST API has changed it, the stored version wins), how long the reduced stream is kept,
 * and how long the raw points of series whose filter says {@code keep-raw: false} are.
 *
 * @param config the filters and windows of the configuration file
 */
public record ProcessingSettings(ProcessingConfig config, Duration streamRetention, Duration transientRaw) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static final Key<JsonNode> FILTERS = Key.structured(
            "processing.filters",
            "[]",
            raw -> checked(raw, true),
            "Edge filters: a list of {name, match: {metric, device, type, tag}, one of deadband: {absolute | percent},"
                    + " change-driven: true, sample: {every, keep: first|last|mean}, threshold: {above, below};"
                    + " heartbeat, keep-raw}. As a variable: the same list in JSON.");
    public static final Key<JsonNode> WINDOWS = Key.structured(
            "processing.windows",
            "[]",
            raw -> checked(raw, false),
            "Event-time windows: a list of {name, match, size, slide, functions: [mean, min, max, sum, count, stddev,"
                    + " first, last], allowed-lateness}; tumbling without slide. As a variable: the same list in JSON.");
    public static final Key<Duration> STREAM_RETENTION = new Key<>(
            "processing.stream.retention",
            "30d",
            duration(Duration.ofHours(1), Duration.ofDays(36_500)),
            "How long records of the reduced stream are kept for its consumers (sync, rules) to read or replay.");
    public static final Key<Duration> TRANSIENT_RAW = new Key<>(
            "processing.transient-raw",
            "1h",
            duration(Duration.ofHours(1), Duration.ofDays(365)),
            "How long raw points of series whose filter says keep-raw: false are kept: what late corrections of the"
                    + " rollups and open windows need. Never shorter than the longest window plus its lateness.");
    public static final List<Key<?>> KEYS = List.of(FILTERS, WINDOWS, STREAM_RETENTION, TRANSIENT_RAW);

    public static ProcessingSettings from(Config config) {
        return new ProcessingSettings(
                ProcessingDocuments.parse(config.get(FILTERS), config.get(WINDOWS)),
                config.get(STREAM_RETENTION),
                config.get(TRANSIENT_RAW));
    }

    public static ProcessingSettings defaults() {
        return new ProcessingSettings(ProcessingConfig.EMPTY, Duration.ofDays(30), Duration.ofHours(1));
    }

    public ProcessingSettings withConfig(ProcessingConfig config) {
        return new ProcessingSettings(config, streamRetention, transientRaw);
    }

    /** The list, checked on its own (names unique across both lists are checked by {@link #from}). */
    private static JsonNode checked(String raw, boolean filters) {
        JsonNode list = list(raw);
        ProcessingDocuments.parse(filters ? list : null, filters ? null : list);
        return list;
    }

    private static JsonNode list(String raw) {
        try {
            JsonNode node = JSON.readTree(raw.isBlank() ? "[]" : raw);
            if (node != null && !node.isNull() && !node.isArray()) {
                throw new IllegalArgumentException("expected a list");
            }
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("not a JSON list: " + e.getOriginalMessage());
        }
    }
}

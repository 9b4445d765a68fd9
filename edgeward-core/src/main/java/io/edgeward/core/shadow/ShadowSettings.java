package io.edgeward.core.shadow;

import static io.edgeward.core.config.Parsers.duration;
import static io.edgeward.core.config.Parsers.integer;
import static io.edgeward.core.config.Parsers.size;
import static io.edgeward.core.config.Parsers.string;

import io.edgeward.core.config.Config;
import io.edgeward.core.config.Key;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * @param maxStateBytes size limit of desired plus reported, as JSON
 * @param maxDepth deepest nesting allowed in desired or reported
 * @param historyVersions versions kept per device, the current one included
 * @param reportedMetrics telemetry metrics copied into {@code reported}: {@code *} for all, empty for none
 * @param reportedInterval how often telemetry is folded into {@code reported}; a burst costs one write per device
 */
public record ShadowSettings(
        int maxStateBytes, int maxDepth, int historyVersions, Set<String> reportedMetrics, Duration reportedInterval) {

    public static final Key<Integer> MAX_STATE = new Key<>(
            "shadow.max-state-bytes",
            "8KiB",
            size(256, 1024 * 1024),
            "Largest shadow state (desired plus reported, as JSON); a bigger update is refused with 413.");
    public static final Key<Integer> MAX_DEPTH = new Key<>(
            "shadow.max-depth",
            "6",
            integer(1, 32),
            "Deepest nesting allowed in desired or reported; deeper is refused with 400.");
    public static final Key<Integer> HISTORY_VERSIONS = new Key<>(
            "shadow.history-versions",
            "100",
            integer(1, 1_000_000),
            "Shadow versions kept per device for /shadow/history, the current one included.");
    public static final Key<String> REPORTED_METRICS = new Key<>(
            "shadow.reported-metrics",
            "*",
            string(),
            "Telemetry metrics whose latest value is copied into the shadow's reported state: * for all, a comma list, or empty for none.");
    public static final Key<Duration> REPORTED_INTERVAL = new Key<>(
            "shadow.reported-interval",
            "1s",
            duration(Duration.ofMillis(100), Duration.ofHours(1)),
            "How often telemetry is folded into reported state: a burst costs one shadow write per device per interval.");
    public static final List<Key<?>> KEYS =
            List.of(MAX_STATE, MAX_DEPTH, HISTORY_VERSIONS, REPORTED_METRICS, REPORTED_INTERVAL);

    public static ShadowSettings from(Config config) {
        Set<String> reported = Arrays.stream(config.get(REPORTED_METRICS).split(","))
                .map(String::trim)
                .filter(metric -> !metric.isEmpty())
                .collect(Collectors.toSet());
        return new ShadowSettings(
                config.get(MAX_STATE),
                config.get(MAX_DEPTH),
                config.get(HISTORY_VERSIONS),
                reported,
                config.get(REPORTED_INTERVAL));
    }

    public static final int DEFAULT_MAX_STATE_BYTES = 8 * 1024;
    public static final int DEFAULT_MAX_DEPTH = 6;

    public ShadowSettings {
        reportedMetrics = Set.copyOf(reportedMetrics);
        if (historyVersions < 1) {
            throw new IllegalArgumentException("shadow history must keep at least 1 version");
        }
    }

    public static ShadowSettings defaults() {
        return new ShadowSettings(DEFAULT_MAX_STATE_BYTES, DEFAULT_MAX_DEPTH, 100, Set.of("*"), Duration.ofSeconds(1));
    }

    public boolean reports(String metric) {
        return reportedMetrics.contains("*") || reportedMetrics.contains(metric);
    }

    public boolean reportsAny() {
        return !reportedMetrics.isEmpty();
    }
}

package io.edgeward.core.shadow;

import java.time.Duration;
import java.util.Set;

/**
 * @param maxStateBytes size limit of desired plus reported, as JSON
 * @param maxDepth deepest nesting allowed in desired or reported
 * @param historyVersions versions kept per device, the current one included
 * @param reportedMetrics telemetry metrics copied into {@code reported}: {@code *} for all, empty for none
 * @param reportedInterval how often telemetry is folded into {@code reported}; a burst costs one write per device
 */
public record ShadowSettings(int maxStateBytes, int maxDepth, int historyVersions, Set<String> reportedMetrics,
        Duration reportedInterval) {

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

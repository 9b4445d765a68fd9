package io.edgeward.core.retention;

import io.edgeward.core.device.Device;
import io.edgeward.core.telemetry.SeriesSelector;
import java.time.Duration;
import java.util.Map;

/**
 * An override of the default retention for the series its selector matches; only the levels it
 * names change.
 */
public final class RetentionRule {

    private final SeriesSelector match;
    private final Map<Level, Duration> periods;

    /**
     * @param metric a glob of metric names, or null
     * @param device a glob of device ids, or null
     * @param type a device type (sensor, actuator, gateway), or null
     * @param tag a device tag, or null
     */
    public RetentionRule(String metric, String device, String type, String tag, Map<Level, Duration> periods) {
        if (periods.isEmpty()) {
            throw new IllegalArgumentException("names no level (raw, 1m, 1h, 1d)");
        }
        this.match = new SeriesSelector(metric, device, type, tag);
        this.periods = Map.copyOf(periods);
    }

    public boolean matches(Device owner, String metricName) {
        return match.matches(owner, metricName);
    }

    public SeriesSelector match() {
        return match;
    }

    public Map<Level, Duration> periods() {
        return periods;
    }
}

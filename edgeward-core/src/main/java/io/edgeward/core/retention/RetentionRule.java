package io.edgeward.core.retention;

import io.edgeward.core.device.Device;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * An override of the default retention for the series it matches: by metric name and device id
 * (each a glob, {@code *} for any run of characters), device type and tag; what it leaves out
 * matches anything. Only the levels it names change.
 *
 * @param metric a glob of metric names, or null
 * @param device a glob of device ids, or null
 * @param type a device type (sensor, actuator, gateway), or null
 * @param tag a device tag, or null
 */
public record RetentionRule(String metric, String device, String type, String tag, Map<Level, Duration> periods) {

    public RetentionRule {
        periods = Map.copyOf(periods);
        if (periods.isEmpty()) {
            throw new IllegalArgumentException("names no level (raw, 1m, 1h, 1d)");
        }
    }

    public boolean matches(Device owner, String metricName) {
        return (metric == null || glob(metric).matcher(metricName).matches())
                && (device == null || glob(device).matcher(owner.id().value()).matches())
                && (type == null || owner.type().wireName().equals(type))
                && (tag == null || owner.tags().contains(tag));
    }

    static Pattern glob(String glob) {
        StringBuilder regex = new StringBuilder();
        for (String part : glob.split("\\*", -1)) {
            if (!regex.isEmpty()) {
                regex.append(".*");
            }
            regex.append(Pattern.quote(part));
        }
        return Pattern.compile(regex.toString());
    }
}

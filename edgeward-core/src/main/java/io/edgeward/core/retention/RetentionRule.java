package io.edgeward.core.retention;

import io.edgeward.core.device.Device;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * An override of the default retention for the series it matches: by metric name and device id
 * (each a glob, {@code *} for any run of characters), device type and tag; what it leaves out
 * matches anything. Only the levels it names change. A class rather than a record: its globs are
 * compiled once, as a pass matches every series against every rule.
 */
public final class RetentionRule {

    private final String metric;
    private final String device;
    private final String type;
    private final String tag;
    private final Map<Level, Duration> periods;
    private final Pattern metricPattern;
    private final Pattern devicePattern;

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
        this.metric = metric;
        this.device = device;
        this.type = type;
        this.tag = tag;
        this.periods = Map.copyOf(periods);
        this.metricPattern = metric == null ? null : glob(metric);
        this.devicePattern = device == null ? null : glob(device);
    }

    public boolean matches(Device owner, String metricName) {
        return (metricPattern == null || metricPattern.matcher(metricName).matches())
                && (devicePattern == null
                        || devicePattern.matcher(owner.id().value()).matches())
                && (type == null || owner.type().wireName().equals(type))
                && (tag == null || owner.tags().contains(tag));
    }

    public String metric() {
        return metric;
    }

    public String device() {
        return device;
    }

    public String type() {
        return type;
    }

    public String tag() {
        return tag;
    }

    public Map<Level, Duration> periods() {
        return periods;
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

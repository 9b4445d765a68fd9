package io.edgeward.core.telemetry;

import io.edgeward.core.device.Device;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Which series a rule applies to: by metric name and device id (each a glob, {@code *} for any run
 * of characters), device type and tag; what it leaves out matches anything. Retention overrides and
 * processing filters and windows all select series this way. A class rather than a record: its
 * globs are compiled once, as every series is matched against every rule.
 */
public final class SeriesSelector {

    private final String metric;
    private final String device;
    private final String type;
    private final String tag;
    private final Pattern metricPattern;
    private final Pattern devicePattern;

    /**
     * @param metric a glob of metric names, or null
     * @param device a glob of device ids, or null
     * @param type a device type (sensor, actuator, gateway), or null
     * @param tag a device tag, or null
     */
    public SeriesSelector(String metric, String device, String type, String tag) {
        this.metric = metric;
        this.device = device;
        this.type = type;
        this.tag = tag;
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

    /** The selector as configured: the fields it sets, in the order metric, device, type, tag. */
    public Map<String, String> toMap() {
        Map<String, String> map = new LinkedHashMap<>();
        putIfSet(map, "metric", metric);
        putIfSet(map, "device", device);
        putIfSet(map, "type", type);
        putIfSet(map, "tag", tag);
        return map;
    }

    private static void putIfSet(Map<String, String> map, String key, String value) {
        if (value != null) {
            map.put(key, value);
        }
    }

    /** True when the metric is named exactly, not by a pattern. */
    public boolean namesOneMetric() {
        return metric != null && !metric.contains("*");
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

    /** A glob ({@code *} for any run of characters, everything else literal) as a pattern to match whole names. */
    public static Pattern glob(String glob) {
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

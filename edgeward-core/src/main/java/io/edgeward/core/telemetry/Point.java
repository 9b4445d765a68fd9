package io.edgeward.core.telemetry;

import io.edgeward.core.device.DeviceId;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One measurement: device, metric, time (epoch milliseconds, UTC), value and optional unit.
 * A series is (device, metric); a second point at the same time in the same series replaces the
 * first, as in InfluxDB, which also makes QoS 1 redeliveries of time-stamped data idempotent.
 */
public record Point(DeviceId device, String metric, long timestamp, Value value, String unit) {

    private static final Pattern METRIC = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}");

    public Point {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(value, "value");
        if (!isValidMetric(metric)) {
            throw new IllegalArgumentException("invalid metric name '" + metric + "'");
        }
    }

    public static boolean isValidMetric(String metric) {
        return metric != null && METRIC.matcher(metric).matches();
    }
}

package io.edgeward.core.telemetry;

import io.edgeward.core.device.DeviceId;
import java.util.Objects;

/**
 * One measurement: device, metric, time (epoch milliseconds, UTC), value and optional unit.
 * A series is (device, metric); a second point at the same time in the same series replaces the
 * first, as in InfluxDB, which also makes QoS 1 redeliveries of time-stamped data idempotent.
 */
public record Point(DeviceId device, String metric, long timestamp, Value value, String unit) {

    public Point {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(value, "value");
        if (!isValidMetric(metric)) {
            throw new IllegalArgumentException("invalid metric name '" + metric + "'");
        }
    }

    /** 1-128 characters of A-Z a-z 0-9 _ . : -, not starting with . : or -. A loop: it runs for every point. */
    public static boolean isValidMetric(String metric) {
        if (metric == null || metric.isEmpty() || metric.length() > 128) {
            return false;
        }
        for (int i = 0; i < metric.length(); i++) {
            char c = metric.charAt(i);
            boolean word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
            if (!word && (i == 0 || (c != '.' && c != ':' && c != '-'))) {
                return false;
            }
        }
        return true;
    }
}

package io.edgeward.core.telemetry.internal;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.telemetry.Decoded;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.RejectReason;
import io.edgeward.core.telemetry.Rejection;
import io.edgeward.core.telemetry.TelemetryLimits;
import io.edgeward.core.telemetry.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects the points of one message while a format-specific decoder walks it, applying the
 * checks that do not depend on the format: metric names, timestamp range, the device named in the
 * payload, and the per-message point limit.
 */
public final class PointCollector {

    private final DeviceId device;
    private final long arrivalMillis;
    private final TelemetryLimits limits;
    private final List<Point> points = new ArrayList<>();
    private final List<Rejection> rejections = new ArrayList<>();
    private Rejection wholeMessage;

    public PointCollector(DeviceId device, long arrivalMillis, TelemetryLimits limits) {
        this.device = device;
        this.arrivalMillis = arrivalMillis;
        this.limits = limits;
    }

    /** True when the payload names the same device as the topic (or names none). */
    public boolean checkDevice(String path, String namedDevice) {
        if (namedDevice == null || namedDevice.isEmpty() || namedDevice.equals(device.value())) {
            return true;
        }
        reject(
                RejectReason.DEVICE_MISMATCH,
                path + "sensor_id '" + abbreviate(namedDevice) + "' does not match the topic's device '" + device
                        + "'");
        return false;
    }

    /**
     * Adds one point.
     *
     * @param timestamp epoch milliseconds, or {@code null} for the arrival time
     */
    public void add(String path, String metric, Long timestamp, Value value, String unit) {
        if (wholeMessage != null) {
            return;
        }
        if (!Point.isValidMetric(metric)) {
            reject(
                    RejectReason.INVALID_METRIC,
                    path + "metric name '" + abbreviate(metric) + "' must be 1-128 characters of A-Z a-z 0-9 _ . : -");
            return;
        }
        long ts = timestamp == null ? arrivalMillis : timestamp;
        if (ts < TelemetryLimits.EARLIEST_TIMESTAMP) {
            reject(RejectReason.TIMESTAMP_OUT_OF_RANGE, path + "timestamp " + ts + " ms is before 2000-01-01");
            return;
        }
        if (ts > arrivalMillis + limits.maxFutureSkew().toMillis()) {
            reject(
                    RejectReason.TIMESTAMP_OUT_OF_RANGE,
                    path + "timestamp " + ts + " ms is more than " + limits.maxFutureSkew() + " in the future");
            return;
        }
        if (value instanceof Value.Text text && text.value().length() > limits.maxStringLength()) {
            reject(
                    RejectReason.TOO_LARGE,
                    path + "string value longer than " + limits.maxStringLength() + " characters");
            return;
        }
        if (unit != null && unit.length() > limits.maxUnitLength()) {
            reject(RejectReason.TOO_LARGE, path + "unit longer than " + limits.maxUnitLength() + " characters");
            return;
        }
        if (points.size() >= limits.maxPointsPerMessage()) {
            wholeMessage = new Rejection(
                    RejectReason.TOO_LARGE, "more than " + limits.maxPointsPerMessage() + " points in one message");
            return;
        }
        points.add(new Point(device, metric, ts, value, unit == null || unit.isEmpty() ? null : unit));
    }

    public void reject(RejectReason reason, String detail) {
        if (wholeMessage == null) {
            rejections.add(new Rejection(reason, detail));
        }
    }

    /** Refuses the whole message; points collected so far are discarded. */
    public void rejectMessage(RejectReason reason, String detail) {
        if (wholeMessage == null) {
            wholeMessage = new Rejection(reason, detail);
        }
    }

    public Decoded result() {
        if (wholeMessage != null) {
            return new Decoded(List.of(), List.of(wholeMessage));
        }
        if (points.isEmpty() && rejections.isEmpty()) {
            return Decoded.refused(RejectReason.MALFORMED, "the message contains no telemetry values");
        }
        return new Decoded(points, rejections);
    }

    static String abbreviate(String text) {
        if (text == null) {
            return "null";
        }
        return text.length() <= 64 ? text : text.substring(0, 61) + "...";
    }
}

package io.edgeward.core.telemetry;

import io.edgeward.core.device.DeviceId;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Port: durable telemetry storage. Implemented by the store adapters (SQLite, PostgreSQL, ...). */
public interface TelemetryStore {

    /**
     * Stores the points, updates each series' latest value and each device's last-seen time, all
     * in one transaction, and returns only once that transaction is durable (fsync'd).
     *
     * @param lastSeen device -> arrival time (epoch ms) of its newest message in this batch; the
     *     pipeline includes a device at most about once a second, so may be empty
     */
    void append(List<Point> points, Map<DeviceId, Long> lastSeen);

    /** The newest value of every metric of the device. */
    List<Point> latest(DeviceId device);

    /** Raw points of one series in {@code range}, oldest first, at most {@code limit}. */
    List<Point> raw(DeviceId device, String metric, TimeRange range, int limit);

    /**
     * Time buckets of one series, aligned to the epoch (a bucket starts at a multiple of
     * {@code interval}), oldest first; empty buckets are omitted.
     */
    List<Bucket> aggregate(DeviceId device, String metric, TimeRange range, Duration interval, Aggregation aggregation);
}

package io.edgeward.core.telemetry;

import io.edgeward.core.device.DeviceId;
import java.time.Duration;
import java.util.List;

/**
 * Read side of telemetry, with the bounds that keep one query from taking the gateway down:
 * at most {@link #MAX_RAW_POINTS} raw points per call and {@link #MAX_BUCKETS} buckets.
 */
public final class TelemetryQueries {

    public static final int DEFAULT_RAW_LIMIT = 1_000;
    public static final int MAX_RAW_POINTS = 100_000;
    public static final int MAX_BUCKETS = 10_000;
    public static final Duration MIN_INTERVAL = Duration.ofSeconds(1);

    private final TelemetryReader store;

    public TelemetryQueries(TelemetryReader store) {
        this.store = store;
    }

    public List<Point> latest(DeviceId device) {
        return store.latest(device);
    }

    public List<SeriesInfo> series(DeviceId device) {
        return store.series(device);
    }

    public List<Point> raw(DeviceId device, String metric, TimeRange range, int limit) {
        checkMetric(metric);
        if (limit < 1 || limit > MAX_RAW_POINTS) {
            throw new TelemetryQueryException("limit must be between 1 and " + MAX_RAW_POINTS);
        }
        return store.raw(device, metric, range, limit);
    }

    /** Time buckets of one series with all their statistics; {@link Bucket#value} gives each aggregation. */
    public List<Bucket> buckets(DeviceId device, String metric, TimeRange range, Duration interval) {
        checkMetric(metric);
        if (interval.compareTo(MIN_INTERVAL) < 0) {
            throw new TelemetryQueryException("interval must be at least 1s");
        }
        long buckets = range.millis() / interval.toMillis() + 1;
        if (buckets > MAX_BUCKETS) {
            throw new TelemetryQueryException("the range holds " + buckets + " buckets of " + interval + "; at most "
                    + MAX_BUCKETS + " are allowed: widen the interval or narrow the range");
        }
        return store.buckets(device, metric, range, interval);
    }

    private static void checkMetric(String metric) {
        if (!Point.isValidMetric(metric)) {
            throw new TelemetryQueryException("metric is required and must be a valid metric name");
        }
    }
}

package io.edgeward.core.telemetry;

import io.edgeward.core.device.DeviceId;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * Read side of telemetry, with the bounds that keep one query from taking the gateway down:
 * at most {@link #MAX_RAW_POINTS} raw points per call and {@link #MAX_BUCKETS} buckets.
 */
public final class TelemetryQueries {

    public static final int DEFAULT_RAW_LIMIT = 1_000;
    public static final int MAX_RAW_POINTS = 100_000;
    public static final int MAX_BUCKETS = 10_000;
    /** Series one multi-series query may name. */
    public static final int MAX_SERIES = 100;
    /** Series times buckets (or raw points) one multi-series query may return. */
    public static final int MAX_SERIES_VALUES = 100_000;

    public static final Duration MIN_INTERVAL = Duration.ofSeconds(1);

    private final TelemetryReader store;
    private final BucketPlanner planner;

    public TelemetryQueries(TelemetryReader store) {
        this.store = store;
        this.planner = new BucketPlanner(store);
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

    /** Every raw point of one series in the range, streamed to {@code sink} (an export, unbounded by design). */
    public void forEachRaw(DeviceId device, String metric, TimeRange range, Consumer<Point> sink) {
        checkMetric(metric);
        store.forEachRaw(device, metric, range, sink);
    }

    /**
     * Refuses a multi-series query that asks for too much: more than {@link #MAX_SERIES} series, or
     * more than {@link #MAX_SERIES_VALUES} buckets (with {@code interval}) or raw points (with
     * {@code rawLimit}) in all, with what to change.
     */
    public void checkSeries(int series, TimeRange range, Duration interval, int rawLimit) {
        if (series < 1) {
            throw new TelemetryQueryException("no series: name devices (or a tag that some device has) and metrics");
        }
        if (series > MAX_SERIES) {
            throw new TelemetryQueryException("the query names " + series + " series (devices x metrics); at most "
                    + MAX_SERIES + " are allowed: name fewer devices or metrics");
        }
        long perSeries = interval == null ? rawLimit : range.millis() / interval.toMillis() + 1;
        if (series * perSeries > MAX_SERIES_VALUES) {
            throw new TelemetryQueryException("the query asks for " + series + " series of up to " + perSeries
                    + (interval == null ? " points" : " buckets") + "; at most " + MAX_SERIES_VALUES
                    + " values in all are allowed: "
                    + (interval == null
                            ? "lower the limit, name fewer series or ask for buckets (interval)"
                            : "widen the interval, narrow the range or name fewer series"));
        }
    }

    /**
     * Time buckets of one series with all their statistics, from the coarsest rollup tier that
     * divides the interval ({@link BucketPlanner}); {@link Bucket#value} gives each aggregation.
     */
    public BucketSeries buckets(DeviceId device, String metric, TimeRange range, Duration interval) {
        return buckets(device, metric, range, interval, false);
    }

    /**
     * {@link #buckets(DeviceId, String, TimeRange, Duration)}, or with {@code rawOnly} computed from
     * the raw points alone: slower, and what a user checks the tiers against.
     */
    public BucketSeries buckets(DeviceId device, String metric, TimeRange range, Duration interval, boolean rawOnly) {
        checkMetric(metric);
        if (interval.compareTo(MIN_INTERVAL) < 0) {
            throw new TelemetryQueryException("interval must be at least 1s");
        }
        long buckets = range.millis() / interval.toMillis() + 1;
        if (buckets > MAX_BUCKETS) {
            throw new TelemetryQueryException("the range holds " + buckets + " buckets of " + interval + "; at most "
                    + MAX_BUCKETS + " are allowed: widen the interval or narrow the range");
        }
        return planner.buckets(device, metric, range, interval, rawOnly);
    }

    private static void checkMetric(String metric) {
        if (!Point.isValidMetric(metric)) {
            throw new TelemetryQueryException("metric is required and must be a valid metric name");
        }
    }
}

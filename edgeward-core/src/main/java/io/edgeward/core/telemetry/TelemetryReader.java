package io.edgeward.core.telemetry;

import io.edgeward.core.device.DeviceId;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * Port: the read side of telemetry. Everything committed before a read began is in its answer.
 * Bounds on what one query may ask for are {@link TelemetryQueries}'s, not the store's.
 */
public interface TelemetryReader {

    /** The newest value of every metric of the device, ordered by metric. */
    List<Point> latest(DeviceId device);

    /** Every series of the device with its unit, first and last time and point count, ordered by metric. */
    List<SeriesInfo> series(DeviceId device);

    /**
     * Every raw point of one series in {@code range}, oldest first, handed to {@code sink} as it is
     * read: an export of any size that holds one point at a time.
     */
    void forEachRaw(DeviceId device, String metric, TimeRange range, Consumer<Point> sink);

    /** Raw points of one series in {@code range}, oldest first, at most {@code limit}. */
    List<Point> raw(DeviceId device, String metric, TimeRange range, int limit);

    /**
     * Time buckets of one series, aligned to the epoch (a bucket starts at a multiple of
     * {@code interval}), oldest first, each with every statistic its aggregations derive from;
     * empty buckets are omitted.
     */
    List<Bucket> buckets(DeviceId device, String metric, TimeRange range, Duration interval);

    /**
     * The stored buckets of one rollup tier of one series whose start lies in {@code range} (whose
     * ends are multiples of the tier's width), oldest first; empty buckets are omitted. Each equals
     * what {@link #buckets} computes from the raw points for the same span.
     */
    List<Bucket> rollups(DeviceId device, String metric, Tier tier, TimeRange range);
}

package io.edgeward.core.telemetry;

import static io.edgeward.core.config.Parsers.bool;
import static io.edgeward.core.config.Parsers.duration;
import static io.edgeward.core.config.Parsers.integer;

import io.edgeward.core.config.Config;
import io.edgeward.core.config.Key;
import java.time.Duration;
import java.util.List;

/**
 * Sizing of the ingest pipeline.
 *
 * @param queueCapacity messages waiting for the writer; when full, submitters wait (and with them
 *     the acknowledgements), nothing is dropped
 * @param maxBatchPoints most points committed in one transaction
 * @param perDeviceLabels add a {@code device_id} label to {@code iot_device_data_received_total};
 *     off by default because it makes one time series per device in Prometheus
 * @param commitTimeout how long a message may wait, queued and committing, before its future
 *     fails with {@link StoreTimeoutException} (a store that hangs, e.g. a lost database link), so
 *     that its transport refuses it instead of holding the device's acknowledgement for ever
 * @param minCommitInterval least time from one group commit's start to the next one's; zero
 *     commits again as soon as the last commit is done
 */
public record PipelineSettings(
        int queueCapacity,
        int maxBatchPoints,
        boolean perDeviceLabels,
        Duration commitTimeout,
        Duration minCommitInterval) {

    public static final Key<Integer> QUEUE_CAPACITY = new Key<>(
            "pipeline.queue-capacity",
            "20000",
            integer(1, 10_000_000),
            "Messages waiting for the writer; when full, acknowledgements wait (nothing is dropped).");
    public static final Key<Integer> MAX_BATCH_POINTS = new Key<>(
            "pipeline.max-batch-points",
            "10000",
            integer(1, 1_000_000),
            "Most points committed in one transaction (one fsync).");
    public static final Key<Duration> MIN_COMMIT_INTERVAL = new Key<>(
            "pipeline.min-commit-interval",
            "2ms",
            duration(Duration.ZERO, Duration.ofSeconds(1)),
            "Least time between the starts of two group commits: bounds commits (fsyncs) per second and lets batches grow. 0 = none.");
    public static final Key<Duration> COMMIT_TIMEOUT = new Key<>(
            "pipeline.commit-timeout",
            "2m",
            duration(Duration.ofSeconds(1), Duration.ofHours(1)),
            "How long a telemetry message (any transport) may wait, queued and committing, before it is refused so that the device resends.");
    public static final Key<Boolean> PER_DEVICE_LABELS = new Key<>(
            "metrics.per-device-labels",
            "false",
            bool(),
            "Add a device_id label to iot_device_data_received_total. One Prometheus series per device: keep off for large fleets.");
    public static final List<Key<?>> KEYS =
            List.of(QUEUE_CAPACITY, MAX_BATCH_POINTS, MIN_COMMIT_INTERVAL, COMMIT_TIMEOUT, PER_DEVICE_LABELS);

    public static PipelineSettings from(Config config) {
        return new PipelineSettings(
                config.get(QUEUE_CAPACITY),
                config.get(MAX_BATCH_POINTS),
                config.get(PER_DEVICE_LABELS),
                config.get(COMMIT_TIMEOUT),
                config.get(MIN_COMMIT_INTERVAL));
    }

    public static final PipelineSettings DEFAULTS =
            new PipelineSettings(20_000, 10_000, false, Duration.ofMinutes(2), Duration.ofMillis(2));

    public PipelineSettings {
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queueCapacity must be at least 1");
        }
        if (commitTimeout == null || commitTimeout.isNegative() || commitTimeout.isZero()) {
            throw new IllegalArgumentException("commitTimeout must be positive");
        }
        if (minCommitInterval == null || minCommitInterval.isNegative()) {
            throw new IllegalArgumentException("minCommitInterval must not be negative");
        }
        if (maxBatchPoints < 1) {
            throw new IllegalArgumentException("maxBatchPoints must be at least 1");
        }
    }
}

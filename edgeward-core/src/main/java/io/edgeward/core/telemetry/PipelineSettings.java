package io.edgeward.core.telemetry;

import java.time.Duration;

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
public record PipelineSettings(int queueCapacity, int maxBatchPoints, boolean perDeviceLabels, Duration commitTimeout,
        Duration minCommitInterval) {

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

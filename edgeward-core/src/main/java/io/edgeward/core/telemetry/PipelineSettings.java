package io.edgeward.core.telemetry;

/**
 * Sizing of the ingest pipeline.
 *
 * @param queueCapacity messages waiting for the writer; when full, submitters wait (and with them
 *     the acknowledgements), nothing is dropped
 * @param maxBatchPoints most points committed in one transaction
 * @param perDeviceLabels add a {@code device_id} label to {@code iot_device_data_received_total};
 *     off by default because it makes one time series per device in Prometheus
 */
public record PipelineSettings(int queueCapacity, int maxBatchPoints, boolean perDeviceLabels) {

    public static final PipelineSettings DEFAULTS = new PipelineSettings(20_000, 10_000, false);

    public PipelineSettings {
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queueCapacity must be at least 1");
        }
        if (maxBatchPoints < 1) {
            throw new IllegalArgumentException("maxBatchPoints must be at least 1");
        }
    }
}

package io.edgeward.core.telemetry;

import io.edgeward.core.device.DeviceId;

/**
 * Port: the durable write side of telemetry, implemented by each telemetry store (SQLite,
 * PostgreSQL; a time-series database could implement it too: it knows nothing about devices
 * beyond their ids).
 */
public interface TelemetryWriter {

    /**
     * Commits the batch in one transaction and returns only once that transaction is durable
     * (fsync'd): the pipeline acknowledges every message of the batch after this returns. A point
     * at the same (device, metric, time) as a stored one replaces it, so a redelivery is idempotent.
     * The newest point of each series becomes its latest value unless a newer one is stored.
     *
     * @throws RuntimeException when the commit failed; nothing of the batch is then stored
     */
    void commit(CommitBatch batch);

    /**
     * Deletes every point and latest value of the device: the registry calls it when the device is
     * deleted (see {@link io.edgeward.core.device.DeviceRegistry#addDeletionListener}).
     */
    void deleteDevice(DeviceId device);
}

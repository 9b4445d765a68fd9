package io.edgeward.core.sync;

/**
 * One outbox stream as the status page shows it.
 *
 * @param oldestAgeSeconds how long its oldest row has waited; 0 when empty
 * @param lastSuccessAt when a frame of it was last accepted, epoch milliseconds; 0 never
 * @param bytesSentToday frame bytes sent since midnight UTC
 * @param compressionRatio sent bytes over record bytes, over everything sent since the start; 0 before the first
 */
public record StreamStatus(
        Priority stream,
        long rows,
        long records,
        long bytes,
        double oldestAgeSeconds,
        long lastSuccessAt,
        long bytesSentToday,
        double compressionRatio,
        long evictedRecords) {}

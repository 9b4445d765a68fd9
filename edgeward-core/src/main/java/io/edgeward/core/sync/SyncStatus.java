package io.edgeward.core.sync;

import java.util.List;

/**
 * What {@code GET /api/v1/sync} answers.
 *
 * @param link {@code up}, {@code down} or {@code none} (not an edge)
 * @param lastErrorAt epoch milliseconds; 0 never
 * @param edges at a receiving node: each edge's streams and how far they are stored
 */
public record SyncStatus(
        List<String> roles,
        String edgeId,
        String uplink,
        String link,
        String lastError,
        long lastErrorAt,
        List<StreamStatus> streams,
        long parked,
        List<EdgeMark> edges) {}

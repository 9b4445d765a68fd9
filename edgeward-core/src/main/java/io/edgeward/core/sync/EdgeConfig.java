package io.edgeward.core.sync;

import java.time.Instant;

/**
 * The rules and processing configuration a node receiving edges keeps for one edge (what it
 * pushes down), or, at an edge, the one it applied last; with how the edge reported applying it.
 *
 * @param version increases by one with every change
 * @param document {@code {"rules": [...], "processing": {...}}}, either absent
 * @param applied the edge's report of the newest version it applied; null until it reports
 */
public record EdgeConfig(
        String edgeId, long version, String document, String author, Instant updatedAt, Applied applied) {

    /**
     * How an edge applied a version.
     *
     * @param status {@code applied} or {@code failed}
     * @param detail why it failed, or what it changed
     */
    public record Applied(long version, String status, Instant at, String detail) {

        public boolean succeeded() {
            return status.equals(APPLIED);
        }
    }

    public static final String APPLIED = "applied";
    public static final String FAILED = "failed";
}

package io.edgeward.core.telemetry;

import java.util.List;
import java.util.Objects;

/**
 * What one group commit makes durable, in one transaction. Today the points of the messages it
 * acknowledges; what must be durable together with them (the sync outbox's rows) joins them here,
 * so that a store commits it all or nothing.
 *
 * @param points accepted points, in arrival order; not copied (the pipeline hands over its list)
 */
public record CommitBatch(List<Point> points) {

    public CommitBatch {
        Objects.requireNonNull(points, "points");
    }

    public static CommitBatch of(List<Point> points) {
        return new CommitBatch(points);
    }
}

package io.edgeward.core.telemetry;

import io.edgeward.core.sync.OutboxSegment;
import io.edgeward.core.sync.SyncMark;
import java.util.List;
import java.util.Objects;

/**
 * What one group commit makes durable, in one transaction: the points of the messages it
 * acknowledges, the points the processing stage derived from them (window results), the reduced
 * stream's records they produced, what of them is queued for the cloud (an edge's outbox), and,
 * at a node receiving edges, how far each edge's stream is now stored. A store commits it all or
 * nothing, so none of it is ever written without the points behind it.
 *
 * @param points accepted and derived points, in arrival order; not copied (the pipeline hands over its list)
 * @param records the reduced stream's records, in the order a consumer reads them
 * @param outbox the outbox rows to append
 * @param marks the received edges' streams these points complete
 */
public record CommitBatch(
        List<Point> points, List<StreamRecord> records, List<OutboxSegment> outbox, List<SyncMark> marks) {

    public CommitBatch {
        Objects.requireNonNull(points, "points");
        Objects.requireNonNull(records, "records");
        Objects.requireNonNull(outbox, "outbox");
        Objects.requireNonNull(marks, "marks");
    }

    public CommitBatch(List<Point> points, List<StreamRecord> records) {
        this(points, records, List.of(), List.of());
    }

    public static CommitBatch of(List<Point> points) {
        return new CommitBatch(points, List.of());
    }
}

package io.edgeward.core.telemetry;

import java.util.List;
import java.util.Objects;

/**
 * What one group commit makes durable, in one transaction: the points of the messages it
 * acknowledges, the points the processing stage derived from them (window results), and the
 * reduced stream's records they produced. A store commits it all or nothing, so the processing
 * stage's output is never lost nor written without the points behind it.
 *
 * @param points accepted and derived points, in arrival order; not copied (the pipeline hands over its list)
 * @param records the reduced stream's records, in the order a consumer reads them
 */
public record CommitBatch(List<Point> points, List<StreamRecord> records) {

    public CommitBatch {
        Objects.requireNonNull(points, "points");
        Objects.requireNonNull(records, "records");
    }

    public static CommitBatch of(List<Point> points) {
        return new CommitBatch(points, List.of());
    }
}

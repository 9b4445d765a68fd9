package io.edgeward.core.telemetry;

import io.edgeward.core.sync.OutboxSegment;
import java.util.List;

/**
 * What a group commit queues for the cloud ({@code core.sync}), written in the same transaction as
 * the points, so an acknowledged point is never stored without being queued. It runs on the writer
 * thread after the processing stage; when it fails, the commit fails and nothing is acknowledged.
 */
public interface Forwarder {

    /** Forwards nothing: a node that is not an edge. */
    Forwarder NONE = (accepted, processed) -> List.of();

    /**
     * @param accepted the points the devices sent, in arrival order
     * @param processed what the processing stage produced from them
     */
    List<OutboxSegment> forward(List<Point> accepted, BatchProcessor.Output processed);
}

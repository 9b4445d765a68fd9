package io.edgeward.core.logs;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.sync.OutboxSegment;
import java.util.List;
import java.util.function.Function;

/** Port: stored log lines. */
public interface DeviceLogRepository {

    /**
     * Stores the lines in one transaction; {@code outbox} makes, from the lines as stored (with
     * their ids), what is appended to the sync outbox in the same transaction (nothing at a node
     * that forwards nothing).
     */
    void append(List<LogEntry> entries, Function<List<LogEntry>, List<OutboxSegment>> outbox);

    /**
     * At a node receiving edges: stores lines an edge sent, each once per (edge, the edge's id):
     * a line sent again is skipped. The new ones, as stored here, go through {@code outbox} in the
     * same transaction (a node that forwards too, a relay, sends them on).
     *
     * @return how many were new
     */
    int appendFromEdge(String edgeId, List<LogEntry> entries, Function<List<LogEntry>, List<OutboxSegment>> outbox);

    /**
     * A device's lines (or, with a null device, every device's) at or above {@code level}, newest
     * first, at most {@code limit}, older than the line {@code before} (0: from the newest).
     */
    List<LogEntry> query(DeviceId device, long from, long to, LogLevel level, long before, int limit);

    /** Deletes lines older than {@code ts}; how many. */
    long deleteBefore(long ts);

    void deleteDevice(DeviceId device);
}

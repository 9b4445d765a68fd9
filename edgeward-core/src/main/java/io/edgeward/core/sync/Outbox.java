package io.edgeward.core.sync;

import io.edgeward.core.device.DeviceId;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Port: the edge's durable outbox, and the receiving node's marks. The group commit appends its
 * segments through {@link io.edgeward.core.telemetry.CommitBatch} in its own transaction; what
 * is not telemetry comes through {@link #append}.
 */
public interface Outbox {

    /** Appends segments in one transaction of their own; returns once it is durable. */
    void append(List<OutboxSegment> segments);

    /**
     * The stream's oldest rows after {@code afterSeq}, in order, together at most {@code maxBytes}
     * of payload (always at least one row when there is one).
     */
    List<OutboxEntry> read(Priority stream, long afterSeq, long maxBytes);

    /** Removes the stream's rows up to and including {@code seq}: the other side has them. */
    void remove(Priority stream, long seq);

    /** Moves one row aside with the reason it was refused, in one transaction. */
    void park(OutboxEntry entry, String reason, long now);

    /** The parked rows, newest first, at most {@code limit}. */
    List<ParkedEntry> parked(int limit);

    /**
     * Removes the stream's oldest rows until at least {@code bytes} of payload are gone (or the
     * stream is empty), in one transaction.
     *
     * @return the rows, records and bytes removed
     */
    Backlog evictOldest(Priority stream, long bytes);

    /** What waits in each stream. */
    Map<Priority, Backlog> backlog();

    /** At a receiving node: how far each edge's streams are stored. */
    List<EdgeMark> marks();

    /** At a receiving node: the edge a device is attached to, if any. */
    Optional<String> edgeOf(DeviceId device);

    /**
     * At a receiving node: attaches a device to an edge (its records arrive through that edge only).
     *
     * @param managed registered here for the edge (its record and credential go down), not learnt from it
     */
    void attach(DeviceId device, String edgeId, boolean managed);

    /** At a receiving node: a device of an edge was deleted here; the edge is told each time it returns. */
    void recordDeletion(String edgeId, DeviceId device, long at);

    /** At a receiving node: the edge's devices deleted since {@code since} (older tombstones are dropped). */
    List<DeviceId> deletionsFor(String edgeId, long since);

    /** At a receiving node: the devices attached to an edge. */
    List<DeviceId> devicesOf(String edgeId);

    /** At a receiving node: the devices registered here for an edge. */
    List<DeviceId> managedDevicesOf(String edgeId);

    /** At a receiving node: keeps an event an edge reported (an alarm, ...), the newest {@code keep} per edge. */
    void recordEvent(String edgeId, EdgeEvent event, int keep);

    /** At a receiving node: the newest events, of one edge or (null) of all, newest first. */
    List<EdgeEvent> events(String edgeId, int limit);
}

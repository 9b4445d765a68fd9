package io.edgeward.core.command;

import io.edgeward.core.device.DeviceId;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Port: durable commands and their state. Every state change is a compare-and-set. */
public interface CommandRepository {

    /** @return false when the device already has a command with the same idempotency key */
    boolean insert(Command command);

    Optional<Command> find(String id);

    Optional<Command> findByIdempotencyKey(DeviceId device, String key);

    /** The device's commands, newest first, older than {@code beforeId} when given. */
    List<Command> list(DeviceId device, int limit, String beforeId);

    /** The device's queued commands, oldest first: the order they must be sent in. */
    List<Command> queued(DeviceId device);

    /** Which of these devices have at least one queued command: one query for a crowd of devices. */
    Set<DeviceId> withQueued(Collection<DeviceId> devices);

    /** Commands past their TTL (queued) or response deadline (sent, delivered) at {@code now}. */
    List<Command> overdue(Instant now, int limit);

    /**
     * Moves a command to {@code to} if it is in {@code from}, recording the time in the column
     * that belongs to {@code to} and, when not null, the message and response deadline.
     *
     * @return false when the command was not in {@code from} (someone else moved it)
     */
    /**
     * Records the device's acknowledgement: {@code delivered_at} if not yet set, and SENT becomes
     * DELIVERED. The acknowledgement may arrive after the response, when the command has ended.
     */
    void markDelivered(String id, Instant at);

    boolean transition(
            String id, Set<CommandStatus> from, CommandStatus to, Instant at, String message, Instant responseDeadline);
}

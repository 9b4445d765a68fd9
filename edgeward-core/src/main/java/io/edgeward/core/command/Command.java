package io.edgeward.core.command;

import io.edgeward.core.device.DeviceId;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A command to a device (the seed's {@code command_id}, {@code type}, {@code parameters}) and where
 * it stands.
 *
 * @param expiresAt the latest time it may be sent; after that a queued command expires
 * @param responseDeadline when a sent command times out without a response; null until sent
 * @param message the device's response message, or why the platform ended the command
 */
public record Command(
        String id,
        DeviceId device,
        String type,
        Map<String, Object> parameters,
        CommandStatus status,
        String message,
        String idempotencyKey,
        Duration timeout,
        Instant createdAt,
        Instant expiresAt,
        Instant sentAt,
        Instant deliveredAt,
        Instant completedAt,
        Instant responseDeadline) {

    public Command {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(status, "status");
        parameters = parameters == null ? Map.of() : parameters;
    }
}

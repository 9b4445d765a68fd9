package io.edgeward.core.device;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The seed's device record.
 *
 * @param lastSeen when any message from the device last arrived; {@code null} if never
 * @param metadata free JSON-like attributes (strings, numbers, booleans, nested maps and lists)
 */
public record Device(
        DeviceId id,
        String name,
        DeviceType type,
        String model,
        String firmwareVersion,
        DeviceStatus status,
        String location,
        Instant lastSeen,
        Instant registeredAt,
        Map<String, Object> metadata,
        Set<String> tags) {

    public Device {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(registeredAt, "registeredAt");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        tags = tags == null ? Set.of() : Set.copyOf(tags);
    }
}

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
 * @param updatedAt when the record (not its status or last-seen time) last changed, wherever it was
 *     changed: an edge and the node it forwards to keep the newer of two versions by it
 * @param basedOn the {@code updatedAt} of the record this change was made on ({@code null}: none, a new
 *     record): two changes made on the same record apart are concurrent, one made on the other is not
 * @param edge at a node receiving edges, the edge the device is behind; {@code null} for a device
 *     of this node's own
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
        Set<String> tags,
        Instant updatedAt,
        Instant basedOn,
        String edge) {

    /** A device of this node's own, its record as old as its registration. */
    public Device(
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
        this(
                id,
                name,
                type,
                model,
                firmwareVersion,
                status,
                location,
                lastSeen,
                registeredAt,
                metadata,
                tags,
                null,
                null,
                null);
    }

    public Device {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(registeredAt, "registeredAt");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        tags = tags == null ? Set.of() : Set.copyOf(tags);
        updatedAt = updatedAt == null ? registeredAt : updatedAt;
    }

    /** The same device with its record changed here at {@code at}, on the record it had. */
    public Device changedAt(Instant at) {
        return new Device(
                id,
                name,
                type,
                model,
                firmwareVersion,
                status,
                location,
                lastSeen,
                registeredAt,
                metadata,
                tags,
                at,
                updatedAt,
                edge);
    }

    /** True when the two hold the same record (what a person or an edge edits), times and status aside. */
    public boolean sameRecord(Device other) {
        return Objects.equals(name, other.name)
                && type == other.type
                && Objects.equals(model, other.model)
                && Objects.equals(firmwareVersion, other.firmwareVersion)
                && Objects.equals(location, other.location)
                && metadata.equals(other.metadata)
                && tags.equals(other.tags);
    }
}

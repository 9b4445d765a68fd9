package io.edgeward.core.device;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An operator's change to a device, with JSON Merge Patch semantics (RFC 7396): an absent field is
 * left alone, {@code null} clears it, {@code metadata} merges key by key ({@code null} removes a
 * key), {@code tags} is replaced whole.
 *
 * <p>{@code status} may be set to {@code maintenance} or {@code error}, which stick until cleared
 * with {@code null}; {@code online} and {@code offline} follow the device's connection and cannot
 * be set.
 */
public final class DevicePatch {

    private static final Set<String> TEXT = Set.of("name", "model", "firmware_version", "location");
    private static final Set<String> FIXED = Set.of("device_id", "type", "registered_at", "last_seen", "credentials");

    private final Map<String, Object> changes;

    private DevicePatch(Map<String, Object> changes) {
        this.changes = changes;
    }

    /**
     * Validates a merge patch as parsed from JSON (strings, numbers, booleans, maps, lists, nulls).
     *
     * @throws IllegalArgumentException naming the first field that cannot be applied
     */
    public static DevicePatch of(Map<String, Object> body) {
        if (body == null || body.isEmpty()) {
            throw new IllegalArgumentException("the patch is empty: send at least one field to change");
        }
        Map<String, Object> changes = new LinkedHashMap<>();
        for (Map.Entry<String, Object> entry : body.entrySet()) {
            String field = entry.getKey();
            Object value = entry.getValue();
            if (FIXED.contains(field)) {
                throw new IllegalArgumentException(field + " cannot be changed");
            } else if (TEXT.contains(field)) {
                if (value != null && !(value instanceof String)) {
                    throw new IllegalArgumentException(field + " must be a string or null");
                }
                NewDevice.checkText(field, (String) value);
            } else if (field.equals("metadata")) {
                if (value != null && !(value instanceof Map)) {
                    throw new IllegalArgumentException("metadata must be an object or null");
                }
            } else if (field.equals("tags")) {
                value = tags(value);
            } else if (field.equals("status")) {
                value = status(value);
            } else {
                throw new IllegalArgumentException("unknown field '" + field + "'");
            }
            changes.put(field, value);
        }
        return new DevicePatch(changes);
    }

    /** The device with every field but {@code status} changed. */
    @SuppressWarnings("unchecked")
    public Device applyTo(Device device) {
        Map<String, Object> metadata = device.metadata();
        if (changes.containsKey("metadata")) {
            Map<String, Object> merge = (Map<String, Object>) changes.get("metadata");
            metadata = merge == null ? Map.of() : mergeMetadata(metadata, merge);
        }
        Set<String> tags = changes.containsKey("tags") ? (Set<String>) changes.get("tags") : device.tags();
        return new Device(
                device.id(),
                text("name", device.name()),
                device.type(),
                text("model", device.model()),
                text("firmware_version", device.firmwareVersion()),
                device.status(),
                text("location", device.location()),
                device.lastSeen(),
                device.registeredAt(),
                metadata,
                tags,
                device.updatedAt(),
                device.basedOn(),
                device.edge());
    }

    /** Present when the patch sets or clears the operator status; empty inside means "clear". */
    public Optional<Optional<DeviceStatus>> status() {
        if (!changes.containsKey("status")) {
            return Optional.empty();
        }
        return Optional.of(Optional.ofNullable((DeviceStatus) changes.get("status")));
    }

    /** True when the patch changes more than the status. */
    public boolean changesRecord() {
        return changes.size() > (changes.containsKey("status") ? 1 : 0);
    }

    private String text(String field, String current) {
        return changes.containsKey(field) ? (String) changes.get(field) : current;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> mergeMetadata(Map<String, Object> current, Map<String, Object> merge) {
        Map<String, Object> result = new LinkedHashMap<>(current);
        merge.forEach((key, value) -> {
            if (value == null) {
                result.remove(key);
            } else if (value instanceof Map<?, ?> nested && result.get(key) instanceof Map<?, ?> existing) {
                result.put(key, mergeMetadata((Map<String, Object>) existing, (Map<String, Object>) nested));
            } else {
                result.put(key, value);
            }
        });
        return result;
    }

    private static Set<String> tags(Object value) {
        if (value == null) {
            return Set.of();
        }
        if (!(value instanceof Collection<?> list)) {
            throw new IllegalArgumentException("tags must be an array of strings or null");
        }
        Set<String> tags = new LinkedHashSet<>();
        for (Object tag : list) {
            if (!(tag instanceof String text)) {
                throw new IllegalArgumentException("tags must be an array of strings or null");
            }
            tags.add(text);
        }
        return NewDevice.checkTags(tags);
    }

    private static DeviceStatus status(Object value) {
        if (value == null) {
            return null;
        }
        DeviceStatus status = value instanceof String text ? DeviceStatus.fromWire(text) : null;
        if (status != DeviceStatus.MAINTENANCE && status != DeviceStatus.ERROR) {
            throw new IllegalArgumentException("status may be set to maintenance or error, or null to clear it; "
                    + "online and offline follow the device's connection");
        }
        return status;
    }
}
